"""CloudFormation dynamic references: `{{resolve:ssm:...}}`, `{{resolve:secretsmanager:...}}`.

CloudFormation replaces them in resource properties when it creates or updates the
resource, reading the value in the stack's own region
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html).
CDK writes them for SSM values, secrets and the cross-region export readers' imports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_DYNAMIC = re.compile(r"\{\{resolve:(ssm|ssm-secure|secretsmanager):([^}]*)\}\}")


class DynamicReferenceError(Exception):
    """A referenced parameter or secret (or one of its keys) does not exist."""


def has_dynamic(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_DYNAMIC.search(value))
    if isinstance(value, list):
        return any(has_dynamic(v) for v in value)
    if isinstance(value, dict):
        return any(has_dynamic(v) for v in value.values())
    return False


def resolve_dynamic(value: Any, aws: Callable[[str], Any]) -> Any:
    """`value` with every dynamic reference replaced (strings inside lists and dicts too)."""
    if isinstance(value, str):
        return _DYNAMIC.sub(lambda m: _one(m.group(1), m.group(2), aws), value)
    if isinstance(value, list):
        return [resolve_dynamic(v, aws) for v in value]
    if isinstance(value, dict):
        return {k: resolve_dynamic(v, aws) for k, v in value.items()}
    return value


def _one(kind: str, reference: str, aws: Callable[[str], Any]) -> str:
    try:
        if kind in ("ssm", "ssm-secure"):
            return _ssm(reference, aws, kind == "ssm-secure")
        return _secret(reference, aws)
    except DynamicReferenceError:
        raise
    except Exception as exc:
        raise DynamicReferenceError(f"{{{{resolve:{kind}:{reference}}}}}: {exc}") from exc


def _ssm(reference: str, aws: Callable[[str], Any], decrypt: bool) -> str:
    # {{resolve:ssm:name}} or {{resolve:ssm:name:version}}; names have no colons, ARNs six.
    parts = reference.split(":")
    fixed = 6 if reference.startswith("arn:") else 1
    name = ":".join(parts[:fixed])
    version = parts[fixed] if len(parts) > fixed else None
    query = f"{name}:{version}" if version else name
    parameter = aws("ssm").get_parameter(Name=query, WithDecryption=decrypt)["Parameter"]
    return str(parameter["Value"])


def _secret(reference: str, aws: Callable[[str], Any]) -> str:
    # secret-id:SecretString:json-key:version-stage:version-id; secret-id may be an ARN.
    if reference.startswith("arn:"):
        parts = reference.split(":")
        secret_id, rest = ":".join(parts[:7]), parts[7:]
    else:
        secret_id, *rest = reference.split(":")
    rest += [""] * (4 - len(rest))
    _, json_key, stage, version_id = rest[:4]
    params: dict[str, Any] = {"SecretId": secret_id}
    if version_id:
        params["VersionId"] = version_id
    elif stage:
        params["VersionStage"] = stage
    value = str(aws("secretsmanager").get_secret_value(**params)["SecretString"])
    if not json_key:
        return value
    try:
        document = json.loads(value)
    except ValueError as exc:
        raise DynamicReferenceError(f"secret {secret_id} is not JSON") from exc
    if json_key not in document:
        raise DynamicReferenceError(f"secret {secret_id} has no key {json_key!r}")
    item = document[json_key]
    return item if isinstance(item, str) else json.dumps(item)
