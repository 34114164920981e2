"""The catalog service: products and prices, read publicly (v1, v2) and by services (IAM)."""
