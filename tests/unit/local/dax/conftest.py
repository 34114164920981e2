"""Fixtures for the DAX endpoint tests live in dax_rig.py (shared with the test modules)."""

from dax_rig import rig, table

__all__ = ["rig", "table"]
