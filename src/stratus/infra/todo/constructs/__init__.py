"""Constructs of the to-do stack, one job each (auth, storage, DAX cache, REST API)."""
