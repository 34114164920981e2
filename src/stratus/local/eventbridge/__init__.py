"""EventBridge buses and rules, in moto."""
