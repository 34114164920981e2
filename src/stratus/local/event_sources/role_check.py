"""Whether a function's execution role may read its event source, as Lambda requires.

Lambda's pollers read the queue or stream with the function's execution role, and Lambda
refuses a mapping whose role lacks the calls they make:
- SQS: sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes
  (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html, "Execution
  role permissions"): "The provided execution role does not have permissions to call
  ReceiveMessage on SQS";
- Kinesis and DynamoDB Streams: GetRecords, GetShardIterator, DescribeStream on the stream
  (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-permissions.html,
  https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-eventsourcemapping.html):
  "Cannot access stream <arn>. Please ensure the role can perform the GetRecords,
  GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM."
The local pollers read as the local cloud itself, so the role is checked here once, when a
mapping starts; a mapping that AWS would refuse is not started and says why. ListStreams is
not checked: it takes no stream resource and the pollers never call it.
"""

from __future__ import annotations

from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.iam.credentials import Principal
from stratus.local.iam.decide import judge

_NEEDED = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream"),
    "dynamodb": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"),
}


def missing_grants(principal: Principal, kind: str, source_arn: str) -> list[str]:
    """The actions on `source_arn` the role does not allow (empty: the mapping may run)."""
    if principal.policies is None:
        return []
    return [
        action
        for action in _NEEDED.get(kind, ())
        if judge(
            principal, principal.role_arn or "", action, source_arn, {}, None, account=ACCOUNT_ID
        )
        is not None
    ]


def refusal(kind: str, source_arn: str, missing: list[str]) -> str:
    """Lambda's own message for the refused mapping, and what is missing."""
    if kind == "sqs":
        operation = missing[0].split(":", 1)[1]
        said = f"The provided execution role does not have permissions to call {operation} on SQS"
    else:
        said = (
            f"Cannot access stream {source_arn}. Please ensure the role can perform the "
            "GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your "
            "stream in IAM."
        )
    return f"{said} (missing: {', '.join(missing)})"
