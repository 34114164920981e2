"""What every resource provider gets and gives back.

A provider turns one resolved CloudFormation resource into something that exists locally:
created in moto through boto3, or only recorded (attributes computed) when another part of
the local cloud serves it. Names CloudFormation would generate are made deterministic here
so a restart (or a second `stratus up`) lands on the same physical ids.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stratus.local.core.settings import LocalSettings

if TYPE_CHECKING:
    from stratus.local.cloudformation.custom.services import CustomResourceServices
    from stratus.local.provision.model import Deployment

log = logging.getLogger("stratus.provision")

Attributes = dict[str, Any]


@dataclass
class ProviderContext:
    settings: LocalSettings
    aws: Callable[[str], Any]  # service name -> boto3 client in the stack's region and account
    stack: str
    logical_id: str
    resource_type: str
    metadata: dict[str, Any] = field(default_factory=dict)
    assembly_dir: Path | None = None
    stack_region: str | None = None  # None: the local default region
    stack_account: str | None = None
    stack_id: str = ""
    # The whole factory, (service, region=None, account=None) -> client, for resources that
    # act in another region (cross-region exports, AwsCustomResource's `region`).
    clients: Callable[..., Any] | None = None
    # The resolved properties the resource had after the last run (for Update and Delete).
    old_properties: dict[str, Any] | None = None
    # S3 object key of a file asset -> its path in the cloud assembly.
    assets: dict[str, str] = field(default_factory=dict)
    # Invoke, ResponseURL collector, CloudFront invalidation callback (custom resources).
    services: CustomResourceServices | None = None
    # What is provisioned so far (earlier stacks, and this stack's resources created so far).
    deployment: Deployment | None = None

    @property
    def region(self) -> str:
        return self.stack_region or self.settings.region

    @property
    def account(self) -> str:
        return self.stack_account or self.settings.account_id

    def aws_in(self, service: str, region: str | None = None) -> Any:
        """A client in another region of this stack's account (or this stack's own)."""
        if not region or region == self.region:
            return self.aws(service)
        if self.clients is None:
            raise RuntimeError(f"no client factory for region {region}")
        return self.clients(service, region=region, account=self.account)

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        reg = self.region if region else ""
        acct = self.account if account else ""
        return f"arn:aws:{service}:{reg}:{acct}:{resource}"

    def name(self, max_len: int = 128, *, lower: bool = False, sep: str = "-") -> str:
        return generated_name(self.stack, self.logical_id, max_len, lower=lower, sep=sep)

    def short_id(self, length: int = 10, salt: str = "") -> str:
        return short_id(f"{self.stack}/{self.logical_id}{salt}", length)


class Provider:
    """Base: subclasses implement create(); exists() defaults to True (recorded resources)."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        raise NotImplementedError

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return True

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        """Changed properties: update in place keeping data, or None to delete + create."""
        return None

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        """Remove the resource (replaced, or gone from the template). `ctx.old_properties`
        holds its last properties. Recorded resources have nothing to remove."""


def generated_name(
    stack: str, logical_id: str, max_len: int = 128, *, lower: bool = False, sep: str = "-"
) -> str:
    """`<stack>-<logical>-<hash>`, like CloudFormation's generated names but deterministic."""
    digest = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()[:12].upper()
    stack_part, logical_part = stack, logical_id
    if lower:
        stack_part, logical_part, digest = stack.lower(), logical_id.lower(), digest.lower()
    if sep != "-":
        stack_part = re.sub(r"[^A-Za-z0-9_]", sep, stack_part)
    room = max_len - len(digest) - 2 * len(sep)
    head = f"{stack_part}{sep}{logical_part}"
    if len(head) > room:
        head = head[:room].rstrip(sep)
    return f"{head}{sep}{digest}"


def short_id(seed: str, length: int = 10) -> str:
    """Lowercase alphanumeric id derived from `seed` (API Gateway ids look like this)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    chars = []
    for _ in range(length):
        number, rem = divmod(number, len(alphabet))
        chars.append(alphabet[rem])
    return "".join(chars)


def api_params(
    client: Any, operation: str, props: dict[str, Any], **renames: str
) -> dict[str, Any]:
    """Keep only the template properties the boto3 operation accepts (after renames)."""
    members = client.meta.service_model.operation_model(operation).input_shape.members
    params: dict[str, Any] = {}
    for key, value in props.items():
        key = renames.get(key, key)
        if key in members:
            params[key] = value
        else:
            log.debug("%s: ignoring property %s", operation, key)
    return params


def tags(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in props.get("Tags") or []]


def answers(call: Callable[[], Any], *missing: str) -> bool:
    """Run a describe-style call: True if it answers, False on one of the `missing` codes."""
    try:
        call()
    except Exception as exc:
        if error_code(exc) in missing:
            return False
        raise
    return True


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
