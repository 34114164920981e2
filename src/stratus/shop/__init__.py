"""The shop: independent serverless services (catalog, orders, payments, notifications)."""
