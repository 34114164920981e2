"""The blog stack's parts."""
