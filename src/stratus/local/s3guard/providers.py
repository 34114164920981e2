"""AWS::S3::Bucket and AWS::S3::BucketPolicy in moto. A changed bucket keeps its objects."""

from __future__ import annotations

import json
from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
    log,
    tags,
)

_CORS_KEYS = {
    "AllowedHeaders": "AllowedHeaders",
    "AllowedMethods": "AllowedMethods",
    "AllowedOrigins": "AllowedOrigins",
    "ExposedHeaders": "ExposeHeaders",
    "MaxAge": "MaxAgeSeconds",
    "Id": "ID",
}


class BucketProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        s3 = ctx.aws("s3")
        name = props.get("BucketName") or ctx.name(63, lower=True)
        try:
            s3.create_bucket(Bucket=name)
        except Exception as exc:
            if error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
            log.warning(
                "%s/%s: bucket %s already exists; keeping its objects",
                ctx.stack,
                ctx.logical_id,
                name,
            )
        self._configure(ctx, s3, name, props)
        return name, self._attributes(ctx, name)

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("s3").head_bucket(Bucket=physical_id), "404", "NoSuchBucket", "NotFound"
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        log.warning(
            "%s/%s: bucket properties changed; keeping %s and its objects",
            ctx.stack,
            ctx.logical_id,
            physical_id,
        )
        self._configure(ctx, ctx.aws("s3"), physical_id, props)
        return physical_id, self._attributes(ctx, physical_id)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        """S3 refuses a bucket with objects (BucketNotEmpty): the caller keeps it then."""
        try:
            ctx.aws("s3").delete_bucket(Bucket=physical_id)
        except Exception as exc:
            if error_code(exc) != "NoSuchBucket":
                raise

    def _configure(self, ctx: ProviderContext, s3: Any, name: str, props: dict[str, Any]) -> None:
        steps: list[tuple[str, Any]] = []
        versioning = props.get("VersioningConfiguration")
        if versioning:
            steps.append(
                (
                    "versioning",
                    lambda: s3.put_bucket_versioning(
                        Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
                    ),
                )
            )
        cors = props.get("CorsConfiguration")
        if cors:
            cors_rules = [
                {_CORS_KEYS[k]: v for k, v in rule.items() if k in _CORS_KEYS}
                for rule in cors["CorsRules"]
            ]
            steps.append(
                (
                    "CORS",
                    lambda: s3.put_bucket_cors(
                        Bucket=name, CORSConfiguration={"CORSRules": cors_rules}
                    ),
                )
            )
        encryption = props.get("BucketEncryption")
        if encryption:
            sse_rules = [
                {
                    (
                        "ApplyServerSideEncryptionByDefault"
                        if k == "ServerSideEncryptionByDefault"
                        else k
                    ): v
                    for k, v in rule.items()
                }
                for rule in encryption["ServerSideEncryptionConfiguration"]
            ]
            steps.append(
                (
                    "encryption",
                    lambda: s3.put_bucket_encryption(
                        Bucket=name, ServerSideEncryptionConfiguration={"Rules": sse_rules}
                    ),
                )
            )
        lifecycle = props.get("LifecycleConfiguration")
        if lifecycle:
            lc_rules = [_lifecycle_rule(rule) for rule in lifecycle["Rules"]]
            steps.append(
                (
                    "lifecycle",
                    lambda: s3.put_bucket_lifecycle_configuration(
                        Bucket=name, LifecycleConfiguration={"Rules": lc_rules}
                    ),
                )
            )
        block = props.get("PublicAccessBlockConfiguration")
        if block:
            steps.append(
                (
                    "public access block",
                    lambda: s3.put_public_access_block(
                        Bucket=name, PublicAccessBlockConfiguration=block
                    ),
                )
            )
        if props.get("Tags"):
            steps.append(
                (
                    "tags",
                    lambda: s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags(props)}),
                )
            )
        for what, step in steps:
            try:
                step()
            except Exception as exc:  # moto lacks some settings; the bucket still works
                log.warning(
                    "%s/%s: bucket %s not applied locally: %s", ctx.stack, ctx.logical_id, what, exc
                )

    @staticmethod
    def _attributes(ctx: ProviderContext, name: str) -> Attributes:
        region = ctx.region
        return {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
        }


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Status": rule.get("Status", "Enabled")}
    if "Id" in rule:
        out["ID"] = rule["Id"]
    out["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    elif rule.get("ExpiredObjectDeleteMarker"):
        out["Expiration"] = {"ExpiredObjectDeleteMarker": True}
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(
                rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
            )
        }
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    elif "NoncurrentVersionExpirationInDays" in rule:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])
        }
    return out


class BucketPolicyProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        bucket = props["Bucket"]
        ctx.aws("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(props["PolicyDocument"]))
        return bucket, {}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        return self.create(ctx, props)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("s3").delete_bucket_policy(Bucket=physical_id)
        except Exception as exc:
            if error_code(exc) != "NoSuchBucket":
                raise
