"""Stacks of the stratus CDK app."""
