"""IAM roles and policies (moto keeps them; the local cloud evaluates them)."""
