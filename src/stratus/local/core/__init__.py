"""The local cloud's core: request routing, the service registry, AWS error shapes, moto."""
