"""Read-only AWS control planes answered from what the provisioner produced (the Deployment):
CloudFormation's stacks and API Gateway's recorded REST APIs. Each module exports
`operations(deployment_source)`: handlers by botocore operation name for the front door."""
