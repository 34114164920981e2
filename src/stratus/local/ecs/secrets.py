"""A task definition's `Secrets`, resolved into environment values when a task starts.

ECS injects each secret as an environment variable from Secrets Manager or SSM Parameter
Store. A Secrets Manager `valueFrom` is the secret's ARN (or its name), optionally followed
by `:json-key:version-stage:version-id`; an SSM one is the parameter's ARN or name
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html,
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html).
A secret that cannot be resolved stops the task from starting, as ECS reports a
`ResourceInitializationError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class SecretError(RuntimeError):
    """A secret of the task definition cannot be fetched (ECS: ResourceInitializationError)."""


@dataclass(frozen=True)
class SecretRef:
    """Where one secret comes from."""

    service: str  # "secretsmanager" | "ssm"
    secret_id: str  # the secret's ARN or name, or the parameter's name
    json_key: str | None = None
    version_stage: str | None = None
    version_id: str | None = None


def parse_value_from(value_from: str) -> SecretRef:
    """Split a `valueFrom` into what to fetch (ARN-based for both services, else a name:
    names of secrets with a `:` suffix are Secrets Manager, others are SSM parameters)."""
    if value_from.startswith("arn:"):
        parts = value_from.split(":")
        service = parts[2] if len(parts) > 2 else ""
        if service == "ssm":
            resource = ":".join(parts[5:])
            if not resource.startswith("parameter"):
                raise SecretError(f"{value_from} is not an SSM parameter ARN")
            return SecretRef("ssm", resource[len("parameter") :] or "/")
        if service == "secretsmanager":
            if len(parts) < 7 or parts[5] != "secret":
                raise SecretError(f"{value_from} is not a Secrets Manager secret ARN")
            arn = ":".join(parts[:7])
            key, stage, version = [*parts[7:], "", "", ""][:3]
            return SecretRef("secretsmanager", arn, key or None, stage or None, version or None)
        raise SecretError(f"{value_from}: secrets come from Secrets Manager or SSM only")
    if not value_from:
        raise SecretError("a secret has an empty valueFrom")
    return SecretRef("ssm", value_from)


def fetch_secret(ref: SecretRef, client: Callable[[str], Any]) -> str:
    """The value ECS would inject for `ref` (a JSON key picks one field of the secret)."""
    if ref.service == "ssm":
        return _parameter(client("ssm"), ref.secret_id)
    params: dict[str, Any] = {"SecretId": ref.secret_id}
    if ref.version_stage:
        params["VersionStage"] = ref.version_stage
    if ref.version_id:
        params["VersionId"] = ref.version_id
    try:
        answer = client("secretsmanager").get_secret_value(**params)
    except Exception as exc:
        raise SecretError(f"cannot retrieve secret {ref.secret_id}: {_code(exc)}") from exc
    text = answer.get("SecretString")
    if text is None:
        raise SecretError(f"secret {ref.secret_id} holds binary data, not a string")
    if ref.json_key is None:
        return str(text)
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise SecretError(
            f"secret {ref.secret_id} is not JSON, so key {ref.json_key!r} cannot be read"
        ) from exc
    if not isinstance(document, dict) or ref.json_key not in document:
        raise SecretError(f"secret {ref.secret_id} has no JSON key {ref.json_key!r}")
    value = document[ref.json_key]
    return value if isinstance(value, str) else json.dumps(value)


def _parameter(ssm: Any, name: str) -> str:
    """SSM names: `parameter/a/b` in an ARN is `/a/b`; `parameter/name` may be `name`."""
    candidates = [name]
    if name.startswith("/") and name.count("/") == 1:
        candidates.append(name[1:])
    last: Exception | None = None
    for candidate in candidates:
        try:
            answer = ssm.get_parameter(Name=candidate, WithDecryption=True)
            return str(answer["Parameter"]["Value"])
        except Exception as exc:
            last = exc
    raise SecretError(f"cannot retrieve SSM parameter {name}: {_code(last)}") from last


def resolve_secrets(
    secrets: Iterable[Mapping[str, Any]], client: Callable[[str], Any]
) -> dict[str, str]:
    """name -> value for a container definition's `secrets` list."""
    out: dict[str, str] = {}
    for entry in secrets:
        name = str(entry.get("name") or entry.get("Name") or "")
        value_from = str(entry.get("valueFrom") or entry.get("ValueFrom") or "")
        if not name:
            raise SecretError("a secret of the task definition has no name")
        out[name] = fetch_secret(parse_value_from(value_from), client)
    return out


def _code(exc: Exception | None) -> str:
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    return str(code or exc)
