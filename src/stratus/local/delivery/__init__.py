"""Event delivery: the outbox that carries events out of moto's threads, and the targets
(Lambda, SQS, SNS, EventBridge, Kinesis, Firehose, CloudWatch Logs) they are sent to."""
