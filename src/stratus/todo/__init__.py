"""System 1: the mobile to-do backend (API Gateway + Cognito + Lambda + DynamoDB/DAX + S3)."""
