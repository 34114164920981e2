"""stratus: AWS serverless reference systems that deploy with the CDK and run locally."""
