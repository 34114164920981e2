"""Constructs and helpers every system's infra shares: stage settings, bundling, cdk-nag."""
