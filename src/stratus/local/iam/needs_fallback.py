"""A stand-in for `stratus.local.iam.actions` while that package is not there.

`iam.actions.needs(call, account=..., lookups=...)` names the (action, resource, context)
IAM authorizes for every operation (the Service Authorization Reference). Until it is
merged, the IAM stage uses this: the action is `<prefix>:<Operation>` (true for the
services the systems use), and the resource is named for the common single-resource
operations of DynamoDB, SQS, SNS, Kinesis, Lambda, Secrets Manager, EventBridge, Cognito
user pools and Logs; elsewhere it is "*", which `enforce` evaluates against the Action and
Condition only (`any_resource`), so a scoped grant is not refused for want of a name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from stratus.local.core.call import AwsCall
from stratus.local.core.service_index import all_services

# Operations whose IAM action has another name
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html,
# .../list_amazonsqs.html, .../list_amazonsns.html).
_ACTION = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sns", "PublishBatch"): "Publish",
}
# DynamoDB's transactions are authorized per item, by the item action
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
_TRANSACT_ACTION = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
# Signing names whose IAM prefix differs (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
_PREFIX = {"email": "ses", "monitoring": "cloudwatch"}


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


class Lookups(Protocol):
    def secret_arn(self, region: str, secret_id: str) -> str | None: ...


def iam_prefix(service: str) -> str:
    meta = all_services().get(service)
    signing = meta.signing_name if meta is not None else service
    return _PREFIX.get(signing, signing)


def _dynamodb(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    table = p.get("TableName")
    if not isinstance(table, str):
        return None
    if table.startswith("arn:"):
        return table
    arn = f"arn:aws:dynamodb:{region}:{account}:table/{table}"
    index = p.get("IndexName")
    return f"{arn}/index/{index}" if isinstance(index, str) else arn


def _sqs(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    url = p.get("QueueUrl")
    if not isinstance(url, str):
        return None
    parts = urlsplit(url).path.strip("/").split("/")
    if len(parts) != 2:
        return None
    return f"arn:aws:sqs:{region}:{parts[0]}:{parts[1]}"


def _sns(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    arn = p.get("TopicArn") or p.get("TargetArn")
    return arn if isinstance(arn, str) and arn.startswith("arn:") else None


def _kinesis(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    if isinstance(p.get("StreamARN"), str):
        return str(p["StreamARN"])
    name = p.get("StreamName")
    return f"arn:aws:kinesis:{region}:{account}:stream/{name}" if isinstance(name, str) else None


def _lambda(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    name = p.get("FunctionName")
    if not isinstance(name, str):
        return None
    if name.startswith("arn:"):
        return name
    pieces = name.split(":")  # NAME, NAME:QUALIFIER, ACCOUNT:function:NAME
    if len(pieces) >= 3 and pieces[1] == "function":
        account, pieces = pieces[0], pieces[2:]
    arn = f"arn:aws:lambda:{region}:{account}:function:{pieces[0]}"
    qualifier = pieces[1] if len(pieces) > 1 else p.get("Qualifier")
    return f"{arn}:{qualifier}" if isinstance(qualifier, str) and qualifier else arn


def _secrets(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    secret = p.get("SecretId")
    if not isinstance(secret, str):
        return None
    found = lk.secret_arn(region, secret) if lk is not None else None
    return found or (secret if secret.startswith("arn:") else None)


def _events(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    bus = p.get("EventBusName")
    if not isinstance(bus, str):
        entries = p.get("Entries")
        if isinstance(entries, list) and entries and isinstance(entries[0], dict):
            bus = entries[0].get("EventBusName") or "default"
        else:
            return None
    bus = str(bus)
    return bus if bus.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{bus}"


def _cognito(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    pool = p.get("UserPoolId")
    return f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool}" if pool else None


def _logs(p: dict[str, Any], region: str, account: str, lk: Lookups | None) -> str | None:
    group = p.get("logGroupName")
    if not isinstance(group, str):
        return None
    arn = f"arn:aws:logs:{region}:{account}:log-group:{group}"
    stream = p.get("logStreamName")
    return f"{arn}:log-stream:{stream}" if isinstance(stream, str) else arn


_RESOURCES: dict[str, Callable[[dict[str, Any], str, str, Lookups | None], str | None]] = {
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "sns": _sns,
    "kinesis": _kinesis,
    "lambda": _lambda,
    "secretsmanager": _secrets,
    "events": _events,
    "cognito-idp": _cognito,
    "logs": _logs,
}


def _table_arn(table: str, region: str, account: str) -> str:
    return (
        table if table.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{table}"
    )


def _dynamodb_many(call: AwsCall, account: str) -> list[Need] | None:
    """Batch and transaction operations: one need per table (batch) or item (transaction)."""
    params = call.params()
    if call.operation in ("BatchGetItem", "BatchWriteItem"):
        tables = params.get("RequestItems")
        if not isinstance(tables, dict):
            return None
        return [
            Need(f"dynamodb:{call.operation}", _table_arn(str(t), call.region, account))
            for t in tables
        ]
    if call.operation in ("TransactWriteItems", "TransactGetItems"):
        found: dict[tuple[str, str], Need] = {}
        for item in params.get("TransactItems") or []:
            if not isinstance(item, dict):
                continue
            for kind, body in item.items():
                if kind in _TRANSACT_ACTION and isinstance(body, dict) and body.get("TableName"):
                    need = Need(
                        f"dynamodb:{_TRANSACT_ACTION[kind]}",
                        _table_arn(str(body["TableName"]), call.region, account),
                    )
                    found[(need.action, need.resource)] = need
        return list(found.values())
    return None


def needs(call: AwsCall, *, account: str, lookups: Lookups | None = None) -> list[Need]:
    """What IAM authorizes for `call` (see the module docstring for how far it goes)."""
    service = call.service or ""
    operation = str(call.operation)
    if service == "dynamodb":
        many = _dynamodb_many(call, account)
        if many:
            return many
    if service == "apigateway":
        # API Gateway's management actions are HTTP verbs on the resource's path
        # (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-create-and-manage-api.html).
        path = unquote(call.request.raw_path or "/")
        return [
            Need(f"apigateway:{call.request.method}", f"arn:aws:apigateway:{call.region}::{path}")
        ]
    action = f"{iam_prefix(service)}:{_ACTION.get((service, operation), operation)}"
    reader = _RESOURCES.get(service)
    resource = None
    if reader is not None:
        try:
            resource = reader(call.params(), call.region, account, lookups)
        except Exception:  # a malformed parameter: the service itself will refuse it
            resource = None
    return [Need(action, resource or "*")]
