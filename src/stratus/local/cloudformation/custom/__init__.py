"""Custom resources: CDK's own done natively, any other one through its Lambda (or topic).

CDK's resources are recognised by type, or — where a construct lets the type be renamed
(AwsCustomResource's `resourceType`) — by the singleton function their ServiceToken names.
"""

from __future__ import annotations

from typing import Any

from stratus.local.cloudformation.custom.auto_delete import AutoDeleteObjectsProvider
from stratus.local.cloudformation.custom.aws_sdk_call import AwsSdkCallProvider
from stratus.local.cloudformation.custom.bucket_deployment import BucketDeploymentProvider
from stratus.local.cloudformation.custom.cross_region import (
    ExportReaderProvider,
    ExportWriterProvider,
)
from stratus.local.cloudformation.custom.lambda_backed import LambdaBackedProvider
from stratus.local.cloudformation.custom.log_retention import LogRetentionProvider
from stratus.local.cloudformation.custom.native import CustomResourceFailed
from stratus.local.cloudformation.custom.notifications import BucketNotificationsProvider
from stratus.local.cloudformation.custom.responses import CustomResourceResponses
from stratus.local.cloudformation.custom.services import CustomResourceServices, InvokeOutcome
from stratus.local.provision.provider import Provider

NATIVE: dict[str, Provider] = {
    "s3-notifications": BucketNotificationsProvider(),
    "s3-deployment": BucketDeploymentProvider(),
    "aws-sdk-call": AwsSdkCallProvider(),
    "export-writer": ExportWriterProvider(),
    "export-reader": ExportReaderProvider(),
    "log-retention": LogRetentionProvider(),
    "s3-auto-delete": AutoDeleteObjectsProvider(),
}
LAMBDA = "lambda"
_LAMBDA_BACKED = LambdaBackedProvider()

_BY_TYPE = {
    "Custom::S3BucketNotifications": "s3-notifications",
    "Custom::CDKBucketDeployment": "s3-deployment",
    "Custom::AWS": "aws-sdk-call",
    "Custom::CrossRegionExportWriter": "export-writer",
    "Custom::CrossRegionExportReader": "export-reader",
    "Custom::LogRetention": "log-retention",
    "Custom::S3AutoDeleteObjects": "s3-auto-delete",
}
# Logical-id prefixes of CDK's singleton handler functions (aws-cdk-lib: the uuid each
# construct gives its SingletonFunction / CustomResourceProvider).
_BY_FUNCTION = {
    "AWS679f53fac002430cb0da5b7982bd2287": "aws-sdk-call",
    "BucketNotificationsHandler050a0587b7544547bf325f094a3db834": "s3-notifications",
    "CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C": "s3-deployment",
    "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a": "log-retention",
}


def is_custom(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or (
        resource_type == "AWS::CloudFormation::CustomResource"
    )


def select(resource_type: str, spec: dict[str, Any]) -> str:
    """The handler key for a custom resource of the template (see NATIVE, or LAMBDA)."""
    if resource_type in _BY_TYPE:
        return _BY_TYPE[resource_type]
    token = (spec.get("Properties") or {}).get("ServiceToken")
    target = token.get("Fn::GetAtt") if isinstance(token, dict) else None
    logical = target[0] if isinstance(target, list) and target else None
    if isinstance(target, str):
        logical = target.split(".", 1)[0]
    for prefix, key in _BY_FUNCTION.items():
        if isinstance(logical, str) and logical.startswith(prefix):
            return key
    return LAMBDA


def provider(key: str) -> Provider:
    return NATIVE.get(key, _LAMBDA_BACKED)


__all__ = [
    "LAMBDA",
    "NATIVE",
    "CustomResourceFailed",
    "CustomResourceResponses",
    "CustomResourceServices",
    "InvokeOutcome",
    "is_custom",
    "provider",
    "select",
]
