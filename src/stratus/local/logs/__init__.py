"""CloudWatch Logs groups and events, in moto."""
