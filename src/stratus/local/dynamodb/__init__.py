"""DynamoDB tables and their streams, in moto."""
