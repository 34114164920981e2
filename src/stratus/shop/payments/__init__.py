"""Payments: charges each placed order once and publishes the outcome to `PaymentResults`."""
