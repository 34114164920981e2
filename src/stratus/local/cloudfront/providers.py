"""CloudFront's resource providers.

Distributions are created in moto too (through boto3, so GetDistribution, ListDistributions
and the invalidation API answer for them); the edge itself is configured from the
template's DistributionConfig, never from moto's copy (moto keeps only what its model has).
The distribution's `DomainName` attribute is the local name the edge answers for
(`d<13 characters>.cloudfront.localhost`); moto's own copy says `….cloudfront.net`.
Policies, origin access controls and identities, and CloudFront Functions are recorded:
deterministic ids from stack and logical id, so a restart lands on the same ones.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from stratus.local.cloudfront.config import local_domain
from stratus.local.provision.provider import Attributes, Provider, ProviderContext, answers


def _items(value: Any) -> list[Any]:
    return list(value or [])


def _quantity(items: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}


def _origin(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Id": str(spec["Id"]),
        "DomainName": str(spec["DomainName"]),
        "OriginPath": str(spec.get("OriginPath") or ""),
    }
    custom = spec.get("CustomOriginConfig")
    if custom is not None:
        out["CustomOriginConfig"] = {
            "HTTPPort": int(custom.get("HTTPPort") or 80),
            "HTTPSPort": int(custom.get("HTTPSPort") or 443),
            "OriginProtocolPolicy": str(custom.get("OriginProtocolPolicy") or "https-only"),
        }
    elif str(spec["DomainName"]).endswith("amazonaws.com"):
        s3 = spec.get("S3OriginConfig") or {}
        out["S3OriginConfig"] = {"OriginAccessIdentity": str(s3.get("OriginAccessIdentity") or "")}
    else:
        out["CustomOriginConfig"] = {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "https-only",
        }
    if spec.get("OriginAccessControlId"):
        out["OriginAccessControlId"] = str(spec["OriginAccessControlId"])
    return out


def _behavior(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "TargetOriginId": str(spec["TargetOriginId"]),
        "ViewerProtocolPolicy": str(spec.get("ViewerProtocolPolicy") or "allow-all"),
    }
    if spec.get("CachePolicyId"):
        out["CachePolicyId"] = str(spec["CachePolicyId"])
    else:
        fv = spec.get("ForwardedValues") or {}
        out["ForwardedValues"] = {
            "QueryString": fv.get("QueryString") in (True, "true"),
            "Cookies": {"Forward": str((fv.get("Cookies") or {}).get("Forward") or "none")},
        }
        out["MinTTL"] = int(spec.get("MinTTL", 0))
    if "PathPattern" in spec:
        out["PathPattern"] = str(spec["PathPattern"])
    return out


def api_config(config: dict[str, Any], caller_reference: str) -> dict[str, Any]:
    """The part of a template's DistributionConfig that moto keeps, in the API's shape."""
    behaviors = [_behavior(b) for b in _items(config.get("CacheBehaviors"))]
    return {
        "CallerReference": caller_reference,
        "Aliases": _quantity([str(a) for a in _items(config.get("Aliases"))]),
        "DefaultRootObject": str(config.get("DefaultRootObject") or ""),
        "Origins": _quantity([_origin(o) for o in _items(config.get("Origins"))]),
        "DefaultCacheBehavior": _behavior(config["DefaultCacheBehavior"]),
        "CacheBehaviors": _quantity(behaviors),
        "Comment": str(config.get("Comment") or ""),
        "Enabled": config.get("Enabled") not in (False, "false"),
    }


def distribution_attributes(distribution_id: str) -> Attributes:
    return {"Id": distribution_id, "DomainName": local_domain(distribution_id)}


class DistributionProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        client = ctx.aws("cloudfront")
        reference = f"{ctx.stack}/{ctx.logical_id}/{uuid.uuid4()}"
        created = client.create_distribution(
            DistributionConfig=api_config(props["DistributionConfig"], reference)
        )
        distribution_id = str(created["Distribution"]["Id"])
        return distribution_id, distribution_attributes(distribution_id)

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        client = ctx.aws("cloudfront")
        return answers(lambda: client.get_distribution(Id=physical_id), "NoSuchDistribution")

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        client = ctx.aws("cloudfront")
        current = client.get_distribution_config(Id=physical_id)
        reference = current["DistributionConfig"]["CallerReference"]
        client.update_distribution(
            Id=physical_id,
            IfMatch=current["ETag"],
            DistributionConfig=api_config(props["DistributionConfig"], reference),
        )
        return physical_id, distribution_attributes(physical_id)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        client = ctx.aws("cloudfront")
        try:
            etag = client.get_distribution(Id=physical_id)["ETag"]
            client.delete_distribution(Id=physical_id, IfMatch=etag)
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") != "NoSuchDistribution":
                raise


class PolicyProvider(Provider):
    """Cache, origin request and response headers policies: UUID ids, like AWS's."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        digest = hashlib.sha256(f"{ctx.stack}/{ctx.logical_id}".encode()).hexdigest()
        policy_id = str(uuid.UUID(digest[:32]))
        return policy_id, {"Id": policy_id, "LastModifiedTime": "2024-01-01T00:00:00Z"}


def _upper_id(ctx: ProviderContext, length: int = 14) -> str:
    return "E" + ctx.short_id(length - 1).upper()


class OriginAccessControlProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        oac_id = _upper_id(ctx)
        return oac_id, {"Id": oac_id}


class OriginAccessIdentityProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        oai_id = _upper_id(ctx)
        canonical = hashlib.sha256(f"oai/{oai_id}".encode()).hexdigest()  # 64 hex, like S3's
        return oai_id, {"Id": oai_id, "S3CanonicalUserId": canonical}


class FunctionProvider(Provider):
    """AWS::CloudFront::Function: recorded; the edge does not run CloudFront Functions."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("Name") or ctx.name(64))
        arn = f"arn:aws:cloudfront::{ctx.account}:function/{name}"
        stage = "LIVE" if props.get("AutoPublish") in (True, "true") else "DEVELOPMENT"
        return arn, {
            "FunctionARN": arn,
            "FunctionMetadata.FunctionARN": arn,
            "Stage": stage,
        }
