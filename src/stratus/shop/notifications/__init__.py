"""Notifications: e-mails the customer the outcome of their order's payment."""
