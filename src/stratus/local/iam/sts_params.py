"""STS request parameters, read from the query protocol's form and checked as STS checks them.

Constraints from the STS API reference (AssumeRole's request parameters:
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_RequestParameters);
a bad value is a `ValidationError` with the constraint named, as STS words it. Lists come as
`Tags.member.N.Key`, `PolicyArns.member.N.arn`, `TransitiveTagKeys.member.N`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from stratus.local.iam.sts_wire import StsError, validation

_SESSION_NAME = re.compile(r"^[\w+=,.@-]*$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]*$")
MAX_SESSION_POLICY_CHARS = 2048  # "can't exceed 2,048 characters" (plaintext)
MAX_TAGS = 50
MAX_POLICY_ARNS = 10


@dataclass
class AssumeRoleRequest:
    role_arn: str
    session_name: str
    duration_seconds: int | None = None
    external_id: str | None = None
    source_identity: str | None = None
    policy: dict[str, Any] | None = None
    policy_arns: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    transitive_tag_keys: list[str] = field(default_factory=list)


def required(params: dict[str, Any], name: str, member: str, low: int, high: int) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise validation("null", member, "Member must not be null")
    return _length(str(value), member, low, high)


def _length(value: str, member: str, low: int, high: int) -> str:
    if len(value) < low:
        raise validation(value, member, f"Member must have length greater than or equal to {low}")
    if len(value) > high:
        raise validation(value, member, f"Member must have length less than or equal to {high}")
    return value


def duration(params: dict[str, Any], *, maximum: int = 43200) -> int | None:
    raw = params.get("DurationSeconds")
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw))
    except ValueError:
        raise validation(raw, "durationSeconds", "Member must be an integer") from None
    if value < 900:
        raise validation(
            value, "durationSeconds", "Member must have value greater than or equal to 900"
        )
    if value > maximum:
        raise validation(
            value, "durationSeconds", f"Member must have value less than or equal to {maximum}"
        )
    return value


def _members(params: dict[str, Any], prefix: str) -> dict[int, dict[str, str]]:
    """{N: {suffix: value}} for `prefix.member.N[.suffix]` form fields."""
    out: dict[int, dict[str, str]] = {}
    head = f"{prefix}.member."
    for key, value in params.items():
        if not key.startswith(head):
            continue
        index, _, suffix = key[len(head) :].partition(".")
        if index.isdigit():
            out.setdefault(int(index), {})[suffix] = str(value)
    return dict(sorted(out.items()))


def assume_role_request(params: dict[str, Any], *, web_identity: bool = False) -> AssumeRoleRequest:
    role_arn = required(params, "RoleArn", "roleArn", 20, 2048)
    session_name = required(params, "RoleSessionName", "roleSessionName", 2, 64)
    if not _SESSION_NAME.match(session_name):
        raise validation(
            session_name,
            "roleSessionName",
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
        )
    request = AssumeRoleRequest(role_arn, session_name, duration(params))
    if not web_identity:
        if params.get("ExternalId") is not None:
            request.external_id = _length(str(params["ExternalId"]), "externalId", 2, 1224)
            if not _EXTERNAL_ID.match(request.external_id):
                raise validation(
                    request.external_id,
                    "externalId",
                    r"Member must satisfy regular expression pattern: [\w+=,.@:/-]*",
                )
        if params.get("SourceIdentity") is not None:
            request.source_identity = _length(
                str(params["SourceIdentity"]), "sourceIdentity", 2, 64
            )
        tags = list(_members(params, "Tags").values())
        if len(tags) > MAX_TAGS:
            raise validation(
                "[...]", "tags", f"Member must have length less than or equal to {MAX_TAGS}"
            )
        for tag in tags:
            key = _length(tag.get("Key", ""), "tags.member.key", 1, 128)
            request.tags[key] = _length(tag.get("Value", ""), "tags.member.value", 0, 256)
        request.transitive_tag_keys = [
            m[""] for m in _members(params, "TransitiveTagKeys").values() if "" in m
        ]
        for key in request.transitive_tag_keys:
            if key not in request.tags:
                raise StsError(
                    "InvalidParameterValue",
                    f"The transitive tag key {key} is not one of the session tags passed.",
                )
    if params.get("Policy"):
        text = str(params["Policy"])
        if len(text) > MAX_SESSION_POLICY_CHARS:
            raise validation(
                "[...]",
                "policy",
                f"Member must have length less than or equal to {MAX_SESSION_POLICY_CHARS}",
            )
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise StsError("MalformedPolicyDocument", "The policy is not in the valid JSON format.")
        request.policy = document
    request.policy_arns = [
        m["arn"] for m in _members(params, "PolicyArns").values() if m.get("arn")
    ]
    if len(request.policy_arns) > MAX_POLICY_ARNS:
        raise validation(
            "[...]",
            "policyArns",
            f"Member must have length less than or equal to {MAX_POLICY_ARNS}",
        )
    return request


def session_policies(request: AssumeRoleRequest, directory: Any) -> list[dict[str, Any]] | None:
    """The session policies passed (inline and managed), None when none were. A managed
    policy IAM does not hold grants nothing (an empty document keeps the intersection)."""
    if request.policy is None and not request.policy_arns:
        return None
    documents: list[dict[str, Any]] = [request.policy] if request.policy is not None else []
    for arn in request.policy_arns:
        documents.append(directory.managed_policy(arn) or {"Statement": []})
    return documents


def token_session_tags(claims: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Session tags a web identity token carries in its `https://aws.amazon.com/tags` claim
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp)."""
    block = claims.get("https://aws.amazon.com/tags")
    if not isinstance(block, dict):
        return {}, []
    raw = block.get("principal_tags") or {}
    tags: dict[str, str] = {}
    for key, value in raw.items() if isinstance(raw, dict) else []:
        tags[str(key)] = str(value[0] if isinstance(value, list) and value else value)
    transitive = block.get("transitive_tag_keys") or []
    return tags, [str(k) for k in transitive if str(k) in tags]
