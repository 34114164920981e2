"""Kinesis data streams, in moto."""
