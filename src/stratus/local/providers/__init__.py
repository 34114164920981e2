"""Resource providers by CloudFormation type (one small module per service)."""

from __future__ import annotations

from stratus.local.providers import cognito, dynamodb, iam, messaging, recorded, s3, secrets
from stratus.local.providers.base import Provider, ProviderContext

PROVIDERS: dict[str, Provider] = {
    # created in moto
    "AWS::DynamoDB::Table": dynamodb.TableProvider(),
    "AWS::S3::Bucket": s3.BucketProvider(),
    "AWS::S3::BucketPolicy": s3.BucketPolicyProvider(),
    "AWS::Cognito::UserPool": cognito.UserPoolProvider(),
    "AWS::Cognito::UserPoolClient": cognito.UserPoolClientProvider(),
    "AWS::Cognito::UserPoolDomain": cognito.UserPoolDomainProvider(),
    "AWS::Cognito::IdentityPool": cognito.IdentityPoolProvider(),
    "AWS::IAM::Role": iam.RoleProvider(),
    "AWS::IAM::Policy": iam.PolicyProvider(),
    "AWS::IAM::ManagedPolicy": iam.ManagedPolicyProvider(),
    "AWS::SecretsManager::Secret": secrets.SecretProvider(),
    "AWS::Logs::LogGroup": messaging.LogGroupProvider(),
    "AWS::SQS::Queue": messaging.QueueProvider(),
    "AWS::SNS::Topic": messaging.TopicProvider(),
    "AWS::SNS::Subscription": messaging.SubscriptionProvider(),
    "AWS::Kinesis::Stream": messaging.StreamProvider(),
    # recorded: served by the local cloud's own parts
    "AWS::Lambda::Function": recorded.FunctionProvider(),
    "AWS::Lambda::Permission": recorded.GeneratedIdProvider(20),
    "AWS::Lambda::Version": recorded.FunctionVersionProvider(),
    "AWS::Lambda::Alias": recorded.AliasProvider(),
    "AWS::Lambda::LayerVersion": recorded.LayerVersionProvider(),
    "AWS::Lambda::LayerVersionPermission": recorded.GeneratedIdProvider(20),
    "AWS::Lambda::EventInvokeConfig": recorded.GeneratedIdProvider(20),
    "AWS::Lambda::EventSourceMapping": recorded.GeneratedIdProvider(32, "Id"),
    "AWS::ApiGateway::RestApi": recorded.RestApiProvider(),
    "AWS::ApiGateway::Resource": recorded.GeneratedIdProvider(6, "ResourceId"),
    "AWS::ApiGateway::Method": recorded.GeneratedIdProvider(10),
    "AWS::ApiGateway::Deployment": recorded.GeneratedIdProvider(6, "DeploymentId"),
    "AWS::ApiGateway::Stage": recorded.StageProvider(),
    "AWS::ApiGateway::Authorizer": recorded.GeneratedIdProvider(6, "AuthorizerId"),
    "AWS::ApiGateway::Account": recorded.GeneratedIdProvider(10),
    "AWS::ApiGateway::Model": recorded.NamedProvider("Name"),
    "AWS::ApiGateway::RequestValidator": recorded.GeneratedIdProvider(6, "RequestValidatorId"),
    "AWS::ApiGateway::GatewayResponse": recorded.GeneratedIdProvider(10),
    "AWS::ApiGateway::ApiKey": recorded.GeneratedIdProvider(10, "APIKeyId"),
    "AWS::ApiGateway::UsagePlan": recorded.GeneratedIdProvider(6, "Id"),
    "AWS::ApiGateway::UsagePlanKey": recorded.GeneratedIdProvider(10, "Id"),
    "AWS::DAX::Cluster": recorded.DaxClusterProvider(),
    "AWS::DAX::SubnetGroup": recorded.NamedProvider("SubnetGroupName", lower=True),
    "AWS::DAX::ParameterGroup": recorded.NamedProvider("ParameterGroupName", lower=True),
    "AWS::Cognito::IdentityPoolRoleAttachment": recorded.IdentityPoolAttachmentProvider(),
    "AWS::Cognito::IdentityPoolPrincipalTag": recorded.IdentityPoolAttachmentProvider(),
    "AWS::SQS::QueuePolicy": recorded.GeneratedIdProvider(10),
}

# Present in every CDK template, carries nothing to emulate.
SKIPPED = frozenset({"AWS::CDK::Metadata"})

__all__ = ["PROVIDERS", "SKIPPED", "Provider", "ProviderContext"]
