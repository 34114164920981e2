"""Lambda entry points of the analytics service; each builds its dependencies once."""
