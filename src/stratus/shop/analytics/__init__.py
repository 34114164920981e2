"""The shop's analytics: a Kinesis clickstream of orders, payments and page views, per-product
counters in DynamoDB, a daily export to S3 and a report made from it."""
