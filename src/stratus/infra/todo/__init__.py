"""The to-do system's CDK stack, its constructs and its own stage settings."""
