"""Secrets Manager secrets, in moto."""
