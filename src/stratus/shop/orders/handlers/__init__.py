"""Lambda entry points: the API, the outbox publisher, payment results, fulfilment."""
