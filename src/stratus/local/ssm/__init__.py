"""SSM parameters, in moto."""
