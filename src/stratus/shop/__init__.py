"""The shop: independent services (catalog, orders, payments, notifications)."""
