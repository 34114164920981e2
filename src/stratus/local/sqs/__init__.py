"""SQS queues, in moto."""
