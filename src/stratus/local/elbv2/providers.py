"""AWS::ElasticLoadBalancingV2::* resources, created in moto's elbv2 backend through boto3.

Attributes follow the CloudFormation reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-loadbalancer.html
and the TargetGroup, Listener and ListenerRule pages). `DNSName` is the local name
(`names.local_dns_name`), which the local listeners answer for.

The VPC a template declares is not emulated (AWS::EC2::* are named as skipped): moto needs
real subnets for a load balancer and a real VPC for a target group, so ids moto does not
know are replaced by moto's default VPC and its subnets — the network plays no part
locally, every listener and target is on the loopback interface.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from botocore.exceptions import ClientError

from stratus.local.elbv2.names import is_internal, local_dns_name
from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    tags,
)

log = logging.getLogger("stratus.elbv2")
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancer.html
CANONICAL_ZONES = {"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2"}
NAME_MAX = 32


def elb_name(ctx: ProviderContext, given: Any) -> str:
    """The Name property, or CloudFormation's kind of generated name: at most 32
    alphanumerics and single hyphens, no hyphen at either end."""
    if given:
        return str(given)
    raw = re.sub(r"[^A-Za-z0-9]+", "-", ctx.name(NAME_MAX))
    return raw.strip("-")[:NAME_MAX].strip("-")


def _attributes(pairs: Any) -> list[dict[str, str]]:
    return [{"Key": str(p["Key"]), "Value": str(p["Value"])} for p in pairs or []]


def _default_vpc(ec2: Any) -> tuple[str, list[str]]:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    vpc = str(vpcs[0]["VpcId"])
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    return vpc, [str(s["SubnetId"]) for s in subnets]


def _known_subnets(ec2: Any, ids: list[str]) -> list[str]:
    real = [i for i in ids if i.startswith("subnet-")]
    if not real:
        return []
    try:
        found = ec2.describe_subnets(SubnetIds=real)["Subnets"]
    except ClientError:
        return []
    return [str(s["SubnetId"]) for s in found]


def _known_vpc(ec2: Any, vpc: str) -> bool:
    if not vpc.startswith("vpc-"):
        return False
    try:
        return bool(ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"])
    except ClientError:
        return False


class LoadBalancerProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        elb, ec2 = ctx.aws("elbv2"), ctx.aws("ec2")
        name = elb_name(ctx, props.get("Name"))
        lb_type = str(props.get("Type") or "application")
        if lb_type != "application":
            raise ValueError(f"only application load balancers are emulated, not {lb_type!r}")
        wanted = [str(s) for s in props.get("Subnets") or []]
        wanted += [str(m["SubnetId"]) for m in props.get("SubnetMappings") or []]
        subnets = _known_subnets(ec2, wanted) or _default_vpc(ec2)[1][:2]
        groups = [str(g) for g in props.get("SecurityGroups") or [] if str(g).startswith("sg-")]
        params: dict[str, Any] = {
            "Name": name,
            "Subnets": subnets,
            "SecurityGroups": groups,
            "Scheme": str(props.get("Scheme") or "internet-facing"),
            "Type": "application",
            "IpAddressType": str(props.get("IpAddressType") or "ipv4"),
        }
        if props.get("Tags"):
            params["Tags"] = tags(props)
        lb = elb.create_load_balancer(**params)["LoadBalancers"][0]
        arn = str(lb["LoadBalancerArn"])
        attributes = _attributes(props.get("LoadBalancerAttributes"))
        if attributes:
            elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=attributes)
        full_name = arn.split(":loadbalancer/", 1)[1]
        return arn, {
            "DNSName": local_dns_name(name, arn, ctx.region, internal=is_internal(props)),
            "CanonicalHostedZoneID": CANONICAL_ZONES.get(ctx.region, "Z35SXDOTRQ7X7K"),
            "LoadBalancerFullName": full_name,
            "LoadBalancerName": name,
            "LoadBalancerArn": arn,
            "SecurityGroups": [str(g) for g in props.get("SecurityGroups") or []],
        }

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        elb = ctx.aws("elbv2")
        return answers(
            lambda: elb.describe_load_balancers(LoadBalancerArns=[physical_id]),
            "LoadBalancerNotFound",
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        """Only the attributes changed: kept in place, as CloudFormation does."""
        old = dict(ctx.old_properties or {})
        if {k: v for k, v in old.items() if k != "LoadBalancerAttributes"} != {
            k: v for k, v in props.items() if k != "LoadBalancerAttributes"
        }:
            return None
        attributes = _attributes(props.get("LoadBalancerAttributes"))
        if attributes:
            ctx.aws("elbv2").modify_load_balancer_attributes(
                LoadBalancerArn=physical_id, Attributes=attributes
            )
        name = physical_id.split("/")[-2]
        return physical_id, {
            "DNSName": local_dns_name(name, physical_id, ctx.region, internal=is_internal(props)),
            "CanonicalHostedZoneID": CANONICAL_ZONES.get(ctx.region, "Z35SXDOTRQ7X7K"),
            "LoadBalancerFullName": physical_id.split(":loadbalancer/", 1)[1],
            "LoadBalancerName": name,
            "LoadBalancerArn": physical_id,
            "SecurityGroups": [str(g) for g in props.get("SecurityGroups") or []],
        }

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("elbv2").delete_load_balancer(LoadBalancerArn=physical_id)
        except ClientError as exc:
            log.debug("delete load balancer %s: %s", physical_id, exc)


_TG_PARAMS = (
    "Protocol",
    "ProtocolVersion",
    "HealthCheckProtocol",
    "HealthCheckPort",
    "HealthCheckPath",
    "HealthCheckEnabled",
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
    "Matcher",
    "TargetType",
    "IpAddressType",
)


_HEALTH_PARAMS = _TG_PARAMS[2:11]  # HealthCheckProtocol ... Matcher: ModifyTargetGroup's
_INT_PARAMS = (
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
)


def _targets(props: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"Id": str(t["Id"]), **({"Port": int(t["Port"])} if t.get("Port") else {})}
        for t in props.get("Targets") or []
    ]


class TargetGroupProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        elb, ec2 = ctx.aws("elbv2"), ctx.aws("ec2")
        name = elb_name(ctx, props.get("Name"))
        params: dict[str, Any] = {"Name": name}
        for key in _TG_PARAMS:
            if props.get(key) is not None:
                params[key] = props[key]
        for key in _INT_PARAMS:
            if key in params:
                params[key] = int(params[key])
        if "HealthCheckEnabled" in params:
            params["HealthCheckEnabled"] = str(params["HealthCheckEnabled"]).lower() == "true"
        if props.get("Port") is not None:
            params["Port"] = int(props["Port"])
        if str(props.get("TargetType") or "instance") != "lambda":
            vpc = str(props.get("VpcId") or "")
            params["VpcId"] = vpc if _known_vpc(ec2, vpc) else _default_vpc(ec2)[0]
        if props.get("Tags"):
            params["Tags"] = tags(props)
        group = elb.create_target_group(**params)["TargetGroups"][0]
        arn = str(group["TargetGroupArn"])
        attributes = _attributes(props.get("TargetGroupAttributes"))
        if attributes:
            elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=attributes)
        targets = _targets(props)
        if targets:
            elb.register_targets(TargetGroupArn=arn, Targets=targets)
        return arn, {
            "TargetGroupArn": arn,
            "TargetGroupFullName": arn.split(":", 5)[5],
            "TargetGroupName": name,
            "LoadBalancerArns": [],
        }

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        elb = ctx.aws("elbv2")
        return answers(
            lambda: elb.describe_target_groups(TargetGroupArns=[physical_id]),
            "TargetGroupNotFound",
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        """Health check settings, attributes and targets change in place; the rest
        (name, port, protocol, VPC, target type) replaces the group, as CloudFormation."""
        old = dict(ctx.old_properties or {})
        fixed = ("Name", "Port", "Protocol", "ProtocolVersion", "VpcId", "TargetType")
        if any(old.get(k) != props.get(k) for k in fixed):
            return None
        elb = ctx.aws("elbv2")
        params: dict[str, Any] = {"TargetGroupArn": physical_id}
        for key in _HEALTH_PARAMS:
            if props.get(key) is not None:
                params[key] = props[key]
        for key in _INT_PARAMS:
            if key in params:
                params[key] = int(params[key])
        if "HealthCheckEnabled" in params:
            params["HealthCheckEnabled"] = str(params["HealthCheckEnabled"]).lower() == "true"
        elb.modify_target_group(**params)
        attributes = _attributes(props.get("TargetGroupAttributes"))
        if attributes:
            elb.modify_target_group_attributes(TargetGroupArn=physical_id, Attributes=attributes)
        new = {str(t["Id"]) for t in props.get("Targets") or []}
        gone = [
            {"Id": str(t["Id"]), **({"Port": int(t["Port"])} if t.get("Port") else {})}
            for t in old.get("Targets") or []
            if str(t["Id"]) not in new
        ]
        if gone:
            elb.deregister_targets(TargetGroupArn=physical_id, Targets=gone)
        targets = _targets(props)
        if targets:
            elb.register_targets(TargetGroupArn=physical_id, Targets=targets)
        name = physical_id.split("/")[-2]
        return physical_id, {
            "TargetGroupArn": physical_id,
            "TargetGroupFullName": physical_id.split(":", 5)[5],
            "TargetGroupName": name,
            "LoadBalancerArns": [],
        }

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("elbv2").delete_target_group(TargetGroupArn=physical_id)
        except ClientError as exc:
            log.debug("delete target group %s: %s", physical_id, exc)


def _actions(actions: Any) -> list[dict[str, Any]]:
    """Template actions as the API takes them (CloudFormation spells Order and StatusCode
    the same; numbers may arrive as strings)."""
    out = []
    for action in actions or []:
        item = dict(action)
        if "Order" in item:
            item["Order"] = int(item["Order"])
        fixed = item.get("FixedResponseConfig")
        if fixed:
            item["FixedResponseConfig"] = {**fixed, "StatusCode": str(fixed["StatusCode"])}
        forward = item.get("ForwardConfig")
        if forward and forward.get("TargetGroups"):
            item["ForwardConfig"] = {
                **forward,
                "TargetGroups": [
                    {**g, **({"Weight": int(g["Weight"])} if "Weight" in g else {})}
                    for g in forward["TargetGroups"]
                ],
            }
        out.append(item)
    return out


class ListenerProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        protocol = str(props.get("Protocol") or "HTTP").upper()
        if protocol not in ("HTTP", "HTTPS"):
            raise ValueError(f"listener protocol {protocol} is not an ALB protocol")
        params: dict[str, Any] = {
            "LoadBalancerArn": str(props["LoadBalancerArn"]),
            "Protocol": protocol,
            "Port": int(props["Port"]),
            "DefaultActions": _actions(props.get("DefaultActions")),
        }
        if props.get("Certificates"):
            params["Certificates"] = [
                {"CertificateArn": str(c["CertificateArn"])} for c in props["Certificates"]
            ]
        if props.get("SslPolicy"):
            params["SslPolicy"] = str(props["SslPolicy"])
        listener = ctx.aws("elbv2").create_listener(**params)["Listeners"][0]
        arn = str(listener["ListenerArn"])
        return arn, {"ListenerArn": arn}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        elb = ctx.aws("elbv2")
        return answers(
            lambda: elb.describe_listeners(ListenerArns=[physical_id]), "ListenerNotFound"
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        """Same load balancer: ModifyListener in place (port, protocol, actions, certs)."""
        old = dict(ctx.old_properties or {})
        if old.get("LoadBalancerArn") != props.get("LoadBalancerArn"):
            return None
        params: dict[str, Any] = {
            "ListenerArn": physical_id,
            "Port": int(props["Port"]),
            "Protocol": str(props.get("Protocol") or "HTTP").upper(),
            "DefaultActions": _actions(props.get("DefaultActions")),
        }
        if props.get("Certificates"):
            params["Certificates"] = [
                {"CertificateArn": str(c["CertificateArn"])} for c in props["Certificates"]
            ]
        if props.get("SslPolicy"):
            params["SslPolicy"] = str(props["SslPolicy"])
        ctx.aws("elbv2").modify_listener(**params)
        return physical_id, {"ListenerArn": physical_id}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("elbv2").delete_listener(ListenerArn=physical_id)
        except ClientError as exc:
            log.debug("delete listener %s: %s", physical_id, exc)


class ListenerRuleProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        rule = ctx.aws("elbv2").create_rule(
            ListenerArn=str(props["ListenerArn"]),
            Priority=int(props["Priority"]),
            Conditions=list(props.get("Conditions") or []),
            Actions=_actions(props.get("Actions")),
        )["Rules"][0]
        arn = str(rule["RuleArn"])
        return arn, {"RuleArn": arn, "IsDefault": False}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        elb = ctx.aws("elbv2")
        return answers(lambda: elb.describe_rules(RuleArns=[physical_id]), "RuleNotFound")

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        """Same listener: ModifyRule (and SetRulePriorities) in place."""
        old = dict(ctx.old_properties or {})
        if old.get("ListenerArn") != props.get("ListenerArn"):
            return None
        elb = ctx.aws("elbv2")
        elb.modify_rule(
            RuleArn=physical_id,
            Conditions=list(props.get("Conditions") or []),
            Actions=_actions(props.get("Actions")),
        )
        if str(old.get("Priority")) != str(props.get("Priority")):
            elb.set_rule_priorities(
                RulePriorities=[{"RuleArn": physical_id, "Priority": int(props["Priority"])}]
            )
        return physical_id, {"RuleArn": physical_id, "IsDefault": False}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("elbv2").delete_rule(RuleArn=physical_id)
        except ClientError as exc:
            log.debug("delete rule %s: %s", physical_id, exc)


class ListenerCertificateProvider(Provider):
    """Extra certificates of an HTTPS listener, presented by SNI (`certs`)."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        listener = str(props["ListenerArn"])
        certificates = [{"CertificateArn": str(c["CertificateArn"])} for c in props["Certificates"]]
        ctx.aws("elbv2").add_listener_certificates(ListenerArn=listener, Certificates=certificates)
        return f"{listener}|{ctx.short_id()}", {}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        listener = physical_id.split("|", 1)[0]
        old = (ctx.old_properties or {}).get("Certificates") or []
        try:
            ctx.aws("elbv2").remove_listener_certificates(
                ListenerArn=listener,
                Certificates=[{"CertificateArn": str(c["CertificateArn"])} for c in old],
            )
        except ClientError as exc:
            log.debug("remove listener certificates %s: %s", listener, exc)


PROVIDERS: dict[str, Provider] = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": LoadBalancerProvider(),
    "AWS::ElasticLoadBalancingV2::TargetGroup": TargetGroupProvider(),
    "AWS::ElasticLoadBalancingV2::Listener": ListenerProvider(),
    "AWS::ElasticLoadBalancingV2::ListenerRule": ListenerRuleProvider(),
    "AWS::ElasticLoadBalancingV2::ListenerCertificate": ListenerCertificateProvider(),
}
