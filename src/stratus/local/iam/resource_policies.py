"""Resource policies the IAM stage evaluates beside the caller's own, read from moto.

AWS grants a same-account caller what either its identity policies or the resource's
policy allow, and an explicit Deny in either wins
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
The policies live in moto's models (SQS queue `Policy` attribute, SNS topic policy, Lambda
function policy from AddPermission, Secrets Manager resource policy, EventBridge bus
policy); they are read directly from the backend objects by ARN (no HTTP round trip on the
hot path). S3 bucket policies belong to the S3 guard.

Also `MotoLookups`, what `iam.actions.needs` asks to name a resource fully (a Secrets
Manager secret's ARN from its name).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("stratus.iam")


def _parse(document: Any) -> dict[str, Any] | None:
    if not document:
        return None
    if isinstance(document, dict):
        return document
    try:
        value = json.loads(document)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _split(arn: str) -> tuple[str, str, str, str] | None:
    """(service, region, account, resource) of an ARN, None when it is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts[2], parts[3], parts[4], parts[5]


def _sqs(region: str, account: str, resource: str) -> Any:
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(resource)
    return getattr(queue, "policy", None)


def _sns(region: str, account: str, resource: str) -> Any:
    from moto.sns.models import sns_backends

    arn = f"arn:aws:sns:{region}:{account}:{resource.split(':', 1)[0]}"
    topic = sns_backends[account][region].topics.get(arn)
    return getattr(topic, "_policy_json", None)


def _lambda(region: str, account: str, resource: str) -> Any:
    from moto.awslambda.models import lambda_backends

    # function:NAME[:QUALIFIER]
    pieces = resource.split(":")
    if len(pieces) < 2 or pieces[0] != "function":
        return None
    qualifier = pieces[2] if len(pieces) > 2 else None
    try:
        return lambda_backends[account][region].get_policy(pieces[1], qualifier)
    except Exception:  # no such function or no policy: nothing to grant
        return None


def _secretsmanager(region: str, account: str, resource: str) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    arn = f"arn:aws:secretsmanager:{region}:{account}:{resource}"
    secret = secretsmanager_backends[account][region].secrets.get(arn)
    return getattr(secret, "policy", None)


def _events(region: str, account: str, resource: str) -> Any:
    from moto.events.models import events_backends

    if not resource.startswith("event-bus/"):
        return None
    bus = events_backends[account][region].event_buses.get(resource.split("/", 1)[1])
    return getattr(bus, "policy", None)


_READERS: dict[str, Callable[[str, str, str], Any]] = {
    "sqs": _sqs,
    "sns": _sns,
    "lambda": _lambda,
    "secretsmanager": _secretsmanager,
    "events": _events,
}


def resource_policy(arn: str) -> dict[str, Any] | None:
    """The resource policy of the resource named by `arn` (parsed), None when it has none."""
    parts = _split(arn)
    if parts is None:
        return None
    service, region, account, resource = parts
    reader = _READERS.get(service)
    if reader is None or not region or not account:
        return None
    try:
        return _parse(reader(region, account, resource))
    except Exception:  # a backend that is not loaded or a shape moto changed
        log.debug("no resource policy read for %s", arn, exc_info=True)
        return None


class MotoLookups:
    """`iam.actions.Lookups` over moto's backends, for one account."""

    def __init__(self, account: str) -> None:
        self._account = account

    def secret_arn(self, region: str, secret_id: str) -> str | None:
        from moto.secretsmanager.models import secretsmanager_backends

        try:
            secrets = secretsmanager_backends[self._account][region].secrets
        except Exception:
            return None
        found = secrets.get(secret_id)  # moto's store takes a name, an ARN or a partial ARN
        return None if found is None else str(found.arn)

    # Optional lookups `iam.actions` asks for with getattr (see its `Lookups`).
    def ses_identity(self, region: str, address: str) -> str | None:
        """The verified SES identity sending from `address` uses: the address, else its
        domain."""
        try:
            from moto.ses.models import ses_backends

            backend = ses_backends[self._account][region]
        except Exception:
            return None
        known = getattr(backend, "email_identities", {})  # moto 5: addresses and domains
        domain = address.rsplit("@", 1)[-1]
        return next((identity for identity in (address, domain) if identity in known), None)

    def kms_key_arn(self, region: str, key_id: str) -> str | None:
        try:
            from moto.kms.models import kms_backends

            key = kms_backends[self._account][region].describe_key(key_id)
        except Exception:
            return None
        return str(key.arn)

    def dynamodb_hash_key(self, region: str, table: str) -> str | None:
        """The partition key of "Table" or "Table/index/Name"."""
        try:
            from moto.dynamodb.models import dynamodb_backends

            name, _, index = table.partition("/index/")
            found = dynamodb_backends[self._account][region].get_table(name)
        except Exception:
            return None
        schema: list[dict[str, str]] = found.schema
        if index:
            indexes = [*found.global_indexes, *found.indexes]
            matching = [i for i in indexes if i.name == index]
            if not matching:
                return None
            schema = matching[0].schema
        return next((k["AttributeName"] for k in schema if k["KeyType"] == "HASH"), None)
