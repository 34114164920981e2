"""Route 53 resources, created in moto through boto3 (so ListResourceRecordSets answers).

AWS::Route53::HostedZone: `Ref` is the zone id (`Z…`), attribute `Id` and `NameServers`
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-hostedzone.html).
AWS::Route53::RecordSet: `Ref` is the record's domain name; AWS::Route53::RecordSetGroup
holds several. Records are written with UPSERT and removed with DELETE of what was written.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from botocore.exceptions import ClientError

from stratus.local.provision.provider import Attributes, Provider, ProviderContext

log = logging.getLogger("stratus.route53")


def absolute(name: str) -> str:
    return name if name.endswith(".") else name + "."


def zone_id(value: str) -> str:
    return value.rsplit("/", 1)[-1]


class HostedZoneProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        client = ctx.aws("route53")
        config = props.get("HostedZoneConfig") or {}
        params: dict[str, Any] = {
            "Name": absolute(str(props["Name"])),
            "CallerReference": f"{ctx.stack}/{ctx.logical_id}/{uuid.uuid4()}",
            "HostedZoneConfig": {
                "Comment": str(config.get("Comment") or ""),
                "PrivateZone": bool(props.get("VPCs")),
            },
        }
        created = client.create_hosted_zone(**params)
        ident = zone_id(created["HostedZone"]["Id"])
        servers = list(created.get("DelegationSet", {}).get("NameServers", []))
        return ident, {"Id": ident, "NameServers": servers}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        try:
            ctx.aws("route53").get_hosted_zone(Id=physical_id)
        except ClientError:
            return False
        return True

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        client = ctx.aws("route53")
        try:
            records = client.list_resource_record_sets(HostedZoneId=physical_id)
            changes = [
                {"Action": "DELETE", "ResourceRecordSet": r}
                for r in records["ResourceRecordSets"]
                if r["Type"] not in ("SOA", "NS")
            ]
            if changes:
                client.change_resource_record_sets(
                    HostedZoneId=physical_id, ChangeBatch={"Changes": changes}
                )
            client.delete_hosted_zone(Id=physical_id)
        except ClientError as exc:
            log.debug("delete hosted zone %s: %s", physical_id, exc)


def record_set(props: dict[str, Any]) -> dict[str, Any]:
    """The API's ResourceRecordSet from a template's record (strings become {Value})."""
    out: dict[str, Any] = {"Name": absolute(str(props["Name"])), "Type": str(props["Type"])}
    alias = props.get("AliasTarget")
    if alias:
        out["AliasTarget"] = {
            "HostedZoneId": str(alias.get("HostedZoneId") or ""),
            "DNSName": str(alias["DNSName"]),
            "EvaluateTargetHealth": alias.get("EvaluateTargetHealth") in (True, "true"),
        }
    else:
        out["TTL"] = int(props.get("TTL") or 300)
        out["ResourceRecords"] = [{"Value": str(v)} for v in props.get("ResourceRecords") or []]
    for key in ("SetIdentifier", "Weight", "Region", "Failover", "MultiValueAnswer"):
        if key in props:
            out[key] = props[key]
    return out


def _zone_for(ctx: ProviderContext, props: dict[str, Any]) -> str:
    if props.get("HostedZoneId"):
        return zone_id(str(props["HostedZoneId"]))
    wanted = absolute(str(props["HostedZoneName"]))
    for zone in ctx.aws("route53").list_hosted_zones()["HostedZones"]:
        if zone["Name"] == wanted:
            return zone_id(zone["Id"])
    raise ValueError(f"no hosted zone named {wanted}")


def _change(ctx: ProviderContext, zone: str, action: str, records: list[dict[str, Any]]) -> None:
    ctx.aws("route53").change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": r} for r in records]},
    )


class RecordSetProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        zone = _zone_for(ctx, props)
        record = record_set(props)
        _change(ctx, zone, "UPSERT", [record])
        return record["Name"].rstrip("."), {}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        old = ctx.old_properties or {}
        if (old.get("Name"), old.get("Type")) != (props.get("Name"), props.get("Type")):
            return None
        return self.create(ctx, props)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        props = ctx.old_properties or {}
        if not props:
            return
        try:
            _change(ctx, _zone_for(ctx, props), "DELETE", [record_set(props)])
        except (ClientError, ValueError) as exc:
            log.debug("delete record %s: %s", physical_id, exc)


class RecordSetGroupProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        zone = _zone_for(ctx, props)
        records = [record_set(r) for r in props.get("RecordSets") or []]
        if records:
            _change(ctx, zone, "UPSERT", records)
        return ctx.name(64), {}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        props = ctx.old_properties or {}
        records = [record_set(r) for r in props.get("RecordSets") or []]
        if not records:
            return
        try:
            _change(ctx, _zone_for(ctx, props), "DELETE", records)
        except (ClientError, ValueError) as exc:
            log.debug("delete record group %s: %s", physical_id, exc)
