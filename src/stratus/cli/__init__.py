"""The `stratus` command line."""
