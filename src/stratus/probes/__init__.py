"""Diagnostic Lambda handlers for the local cloud's failure-path tests (never deployed to prod)."""
