"""RDS on real PostgreSQL servers (one per DB cluster / DB instance)."""
