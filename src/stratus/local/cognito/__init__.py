"""Cognito user pools and identity pools, as the local cloud emulates them."""
