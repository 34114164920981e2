"""Secrets Manager, SSM parameters and KMS keys.

Secrets Manager (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html):
a secret's ARN ends in `-` and six random characters, so a SecretId given by name is
resolved through `Lookups.secret_arn`; an unknown name becomes the pattern
`secret:<name>-??????`, which matches policies written for that name as AWS's would
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html).
BatchGetSecretValue needs its own action and GetSecretValue on each secret it lists
(https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html).

SSM (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html):
`parameter/<name without its leading slash>`; GetParameter's `name:version` / `name:label`
selector is not part of the resource; GetParameters and DeleteParameters need one check per
name.

KMS (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html):
calls are authorized on the key; an alias is resolved to its key by the optional
`kms_key_arn` lookup (and named in `kms:RequestAlias`); without it the alias ARN stands.
A Decrypt without KeyId names its key inside the ciphertext: the local cloud's (moto's)
blob starts with the key id.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from stratus.local.iam.actions.base import Need, Request, dedupe, is_arn, scalars

_KEY_ID = re.compile(rb"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def secret_arn(req: Request, secret_id: str) -> str:
    if is_arn(secret_id):
        return secret_id
    found = req.lookups.secret_arn(req.region, secret_id) if req.lookups else None
    return found or req.arn("secretsmanager", f"secret:{secret_id}-??????")


def secretsmanager(req: Request) -> list[Need]:
    op = req.operation
    action = f"secretsmanager:{op}"
    if op == "CreateSecret":
        name = req.text("Name") or "*"
        secret = req.arn("secretsmanager", f"secret:{name}-??????")
        return [Need(action, secret, {"secretsmanager:Name": name})]
    if op == "BatchGetSecretValue":
        ids = scalars(req.params, "SecretIdList")
        each = [Need("secretsmanager:GetSecretValue", secret_arn(req, s)) for s in ids]
        return dedupe([Need(action, "*"), *each])
    secret_id = req.text("SecretId")
    if secret_id is None:
        return [Need(action, "*")]
    resource = secret_arn(req, secret_id)
    ctx: dict[str, str | list[str]] = {"secretsmanager:SecretId": resource}
    for param in ("VersionId", "VersionStage"):
        if req.text(param):
            ctx[f"secretsmanager:{param}"] = str(req.text(param))
    return [Need(action, resource, ctx)]


def parameter_arn(req: Request, name: str, *, selector: bool = False) -> str:
    if is_arn(name):
        return name
    if selector and ":" in name:
        name = name.rsplit(":", 1)[0]  # GetParameter("/app/key:3") reads version 3
    return req.arn("ssm", f"parameter/{name.lstrip('/')}")


def ssm(req: Request) -> list[Need]:
    op = req.operation
    action = f"ssm:{op}"
    ctx: dict[str, str | list[str]] = {}
    if op in ("GetParameters", "DeleteParameters"):
        names = scalars(req.params, "Names")
        return dedupe([Need(action, parameter_arn(req, n, selector=True)) for n in names])
    if op == "GetParametersByPath":
        path = (req.text("Path") or "/").rstrip("/") or "/"
        if "Recursive" in req.params:
            ctx["ssm:Recursive"] = str(req.params["Recursive"]).lower()
        resource = req.arn("ssm", f"parameter/{path.lstrip('/')}") if path != "/" else "*"
        return [Need(action, resource, ctx)]
    if op == "PutParameter" and "Overwrite" in req.params:
        ctx["ssm:Overwrite"] = str(req.params["Overwrite"]).lower()
    if op in ("AddTagsToResource", "RemoveTagsFromResource", "ListTagsForResource"):
        if req.text("ResourceType") == "Parameter" and req.text("ResourceId"):
            return [Need(action, parameter_arn(req, str(req.text("ResourceId"))))]
        return [Need(action, "*")]
    name = req.text("Name")
    if name is None:
        return [Need(action, "*", ctx)]
    return [Need(action, parameter_arn(req, name, selector=op == "GetParameter"), ctx)]


def _alias_arn(req: Request) -> str:
    name = req.text("AliasName") or "alias/*"
    if is_arn(name):
        return name
    return req.arn("kms", name if name.startswith("alias/") else f"alias/{name}")


def _key_arn(req: Request, key_id: str) -> tuple[str, str | None]:
    """(resource, alias named): a key id, key ARN, alias name or alias ARN."""
    alias = None
    if key_id.startswith("alias/"):
        alias = key_id
    elif is_arn(key_id) and ":alias/" in key_id:
        alias = "alias/" + key_id.split(":alias/", 1)[1]
    if alias is None:
        return (key_id if is_arn(key_id) else req.arn("kms", f"key/{key_id}")), None
    resolved = req.lookup("kms_key_arn", key_id)
    fallback = key_id if is_arn(key_id) else req.arn("kms", alias)
    return resolved or fallback, alias


def _blob_key(req: Request, blob: Any) -> str | None:
    if not isinstance(blob, str):
        return None
    try:
        raw = base64.b64decode(blob, validate=False)
    except (binascii.Error, ValueError):
        return None
    match = _KEY_ID.match(raw)
    return req.arn("kms", f"key/{match.group().decode()}") if match else None


def _kms_context(req: Request) -> dict[str, str | list[str]]:
    ctx: dict[str, str | list[str]] = {}
    encryption = req.params.get("EncryptionContext")
    if isinstance(encryption, dict):
        for key, value in encryption.items():
            ctx[f"kms:EncryptionContext:{key}"] = str(value)
        ctx["kms:EncryptionContextKeys"] = list(encryption)
    if req.text("EncryptionAlgorithm"):
        ctx["kms:EncryptionAlgorithm"] = str(req.text("EncryptionAlgorithm"))
    return ctx


def kms(req: Request) -> list[Need]:
    op = req.operation
    action = f"kms:{op}"
    ctx = _kms_context(req)
    if op in ("CreateAlias", "UpdateAlias"):
        alias_arn = _alias_arn(req)
        key, _ = _key_arn(req, req.text("TargetKeyId") or "*")
        return [Need(action, alias_arn), Need(action, key)]
    if op == "DeleteAlias":
        return [Need(action, _alias_arn(req))]
    if op == "ReEncrypt":
        source = req.text("SourceKeyId")
        source_arn = (
            _key_arn(req, source)[0] if source else _blob_key(req, req.params.get("CiphertextBlob"))
        )
        dest, _ = _key_arn(req, req.text("DestinationKeyId") or "*")
        return [
            Need("kms:ReEncryptFrom", source_arn or "*", ctx),
            Need("kms:ReEncryptTo", dest, ctx),
        ]
    key_id = req.text("KeyId") or req.text("TargetKeyId")
    if not key_id:
        blob_key = _blob_key(req, req.params.get("CiphertextBlob")) if op == "Decrypt" else None
        return [Need(action, blob_key or "*", ctx)]
    resource, alias = _key_arn(req, key_id)
    if alias:
        ctx["kms:RequestAlias"] = alias
    return [Need(action, resource, ctx)]


MAPPERS = {"secretsmanager": secretsmanager, "ssm": ssm, "kms": kms}
