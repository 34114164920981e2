"""Local ECS: Fargate services whose tasks run as local processes."""
