"""Lambda entry points of the catalog."""
