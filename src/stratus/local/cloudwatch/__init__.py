"""CloudWatch metrics and alarms, in moto."""
