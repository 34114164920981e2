"""Lambda event source mappings: pollers that read SQS queues, Kinesis streams and DynamoDB
streams and invoke functions with batches, with Lambda's retry, filter and failure rules."""
