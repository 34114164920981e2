"""Lambda entry points: one function for /todos, one for /files."""
