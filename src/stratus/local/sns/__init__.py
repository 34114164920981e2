"""SNS topics and subscriptions, in moto."""
