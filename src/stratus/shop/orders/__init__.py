"""The orders service: customers place and read orders; status follows payment results."""
