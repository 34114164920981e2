"""Always-on capacity: EC2 Auto Scaling groups (instance-hours, EBS), ECS on Fargate (vCPU and
GB hours), Aurora (Serverless v2 ACU-hours or instance-hours, storage), load balancers (hours
and LCUs), NAT gateways (hours and GB processed) and public IPv4 addresses.
https://aws.amazon.com/ec2/pricing/on-demand/ , https://aws.amazon.com/fargate/pricing/ ,
https://aws.amazon.com/rds/aurora/pricing/ , https://aws.amazon.com/elasticloadbalancing/pricing/ ,
https://aws.amazon.com/vpc/pricing/ . These bill by the hour whatever the traffic; the
Auto Scaling group and the Fargate service are priced at their desired count.
"""

from __future__ import annotations

from typing import Any

from stratus.cost.inventory import refs
from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook
from stratus.cost.services.context import PricingContext


def fargate_task_hour(cpu_units: int, memory_mb: int, arch: str, prices: PriceBook) -> float:
    vcpu = float(prices.rate("fargate", "vcpu_hour", arch)) * cpu_units / 1024
    return vcpu + float(prices.rate("fargate", "gb_hour", arch)) * memory_mb / 1024


def alb_cost(
    hours: float, gb_processed: float, prices: PriceBook, *, lambda_targets: bool = False
) -> float:
    """Hours plus LCUs by processed bytes: one LCU is 1 GB an hour for EC2, container or IP
    targets and 0.4 GB for Lambda targets (https://aws.amazon.com/elasticloadbalancing/pricing/)."""
    per_lcu = float(
        prices.rate("elb", "lcu_gb_per_hour", "lambda" if lambda_targets else "ec2_ip_container")
    )
    lcus = max(gb_processed / hours / per_lcu, 0.0) if hours else 0.0
    return hours * (
        float(prices.rate("elb", "alb_hour")) + lcus * float(prices.rate("elb", "lcu_hour"))
    )


def _has_lambda_targets(ctx: PricingContext, lb: Any) -> bool:
    """Whether a listener of `lb` forwards to a target group of Lambda targets (its bytes
    then fill an LCU at 0.4 GB an hour; a mixed balancer is priced so, erring high)."""
    groups: set[str] = set()
    for kind in (
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
    ):
        for item in ctx.inv.of_type(kind):
            if item.stack != lb.stack:
                continue
            if kind.endswith("Listener") and lb.logical_id not in refs(
                item.props.get("LoadBalancerArn")
            ):
                continue
            for action in item.props.get("DefaultActions") or item.props.get("Actions") or []:
                groups.update(
                    refs(action.get("TargetGroupArn")) if isinstance(action, dict) else ()
                )
    for lid in groups:
        group = ctx.inv.get(lb.stack, lid)
        if group is not None and str(group.props.get("TargetType", "")).lower() == "lambda":
            return True
    return False


def _launch_data(ctx: PricingContext, asg: Any) -> dict[str, Any]:
    spec = asg.props.get("LaunchTemplate") or {}
    for lid in refs(spec.get("LaunchTemplateId")):
        template = ctx.inv.get(asg.stack, lid)
        if template is not None:
            data = template.props.get("LaunchTemplateData", {})
            return data if isinstance(data, dict) else {}
    return {}


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    hours = ctx.hours
    ec2 = ctx.prices.service("ec2")
    for asg in ctx.inv.of_type("AWS::AutoScaling::AutoScalingGroup"):
        count = int(asg.props.get("DesiredCapacity") or asg.props.get("MinSize") or 1)
        data = _launch_data(ctx, asg)
        itype = str(data.get("InstanceType", "t3.micro"))
        rate = float(ec2["instance_hour"][itype])
        out.append(
            ctx.line(
                "ec2",
                asg,
                f"{count} x {itype} instances",
                count * hours,
                "instance-hours",
                count * hours * rate,
            )
        )
        volume = sum(
            float(m.get("Ebs", {}).get("VolumeSize", 8))
            for m in data.get("BlockDeviceMappings", [])
            if isinstance(m, dict)
        )
        if volume:
            gb = volume * count
            out.append(
                ctx.line(
                    "ec2",
                    asg,
                    "EBS gp3 volumes",
                    gb,
                    "GB-month",
                    gb * float(ec2["ebs_gp3_gb_month"]),
                )
            )
    for service in ctx.inv.of_type("AWS::ECS::Service"):
        count = int(service.props.get("DesiredCount", 1))
        task = next(
            (ctx.inv.get(service.stack, lid) for lid in refs(service.props.get("TaskDefinition"))),
            None,
        )
        if task is None:
            continue
        cpu, memory = int(task.props.get("Cpu", 256)), int(task.props.get("Memory", 512))
        arch = str((task.props.get("RuntimePlatform") or {}).get("CpuArchitecture", "X86_64"))
        usd = count * hours * fargate_task_hour(cpu, memory, arch, ctx.prices)
        out.append(
            ctx.line(
                "fargate",
                service,
                f"{count} tasks of {cpu / 1024:g} vCPU / {memory / 1024:g} GB",
                count * hours,
                "task-hours",
                usd,
            )
        )
    rds = ctx.prices.service("rds")
    for cluster in ctx.inv.of_type("AWS::RDS::DBCluster"):
        gb = ctx.profile.database_storage_gb
        out.append(
            ctx.line(
                "rds",
                cluster,
                "Aurora storage",
                gb,
                "GB-month",
                gb * float(rds["aurora_storage_gb_month"]),
            )
        )
    for instance in ctx.inv.of_type("AWS::RDS::DBInstance"):
        klass = str(instance.props.get("DBInstanceClass", "db.t3.medium"))
        if klass == "db.serverless":
            parent = next(
                (
                    ctx.inv.get(instance.stack, lid)
                    for lid in refs(instance.props.get("DBClusterIdentifier"))
                ),
                None,
            )
            scaling = (parent.props if parent else {}).get("ServerlessV2ScalingConfiguration", {})
            acu = float(scaling.get("MinCapacity", 0.5))
            usd = acu * hours * float(rds["aurora_serverless_v2_acu_hour"])
            out.append(
                ctx.line(
                    "rds",
                    instance,
                    f"Serverless v2 at its minimum {acu:g} ACU",
                    acu * hours,
                    "ACU-hours",
                    usd,
                )
            )
        else:
            rate = float(rds["instance_hour"][klass])
            out.append(
                ctx.line(
                    "rds", instance, f"{klass} instance", hours, "instance-hours", hours * rate
                )
            )
    for lb in ctx.inv.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer"):
        gb = ctx.work.direct_bytes.get(lb.key, 0.0) / 1e9
        gb += _origin_gb(ctx, lb.key)
        out.append(
            ctx.line(
                "elb",
                lb,
                "load balancer hours + LCUs",
                hours,
                "hours",
                alb_cost(hours, gb, ctx.prices, lambda_targets=_has_lambda_targets(ctx, lb)),
            )
        )
        if lb.props.get("Scheme", "internet-facing") == "internet-facing":
            ips = len(lb.props.get("Subnets", []) or lb.props.get("SubnetMappings", []) or [1, 1])
            rate = float(ec2["public_ipv4_hour"])
            out.append(
                ctx.line(
                    "vpc",
                    lb,
                    f"{ips} public IPv4 addresses",
                    ips * hours,
                    "IP-hours",
                    ips * hours * rate,
                )
            )
    vpc = ctx.prices.service("vpc")
    for nat in ctx.inv.of_type("AWS::EC2::NatGateway"):
        out.append(
            ctx.line(
                "vpc",
                nat,
                "NAT gateway hours",
                hours,
                "hours",
                hours * float(vpc["nat_gateway_hour"]),
            )
        )
    for eip in ctx.inv.of_type("AWS::EC2::EIP"):
        out.append(
            ctx.line(
                "vpc",
                eip,
                "public IPv4 address",
                hours,
                "IP-hours",
                hours * float(ec2["public_ipv4_hour"]),
            )
        )
    return out


def _origin_gb(ctx: PricingContext, key: str) -> float:
    """Bytes a distribution fetched from this load balancer (its cache misses)."""
    total = 0.0
    for dist in ctx.inv.of_type("AWS::CloudFront::Distribution"):
        config = dist.props.get("DistributionConfig", {})
        origins = [o for o in config.get("Origins", []) if isinstance(o, dict)]
        if any(f"{dist.stack}/{lid}" == key for o in origins for lid in refs(o.get("DomainName"))):
            gb = ctx.work.cdn_bytes.get(dist.key, 0.0) / 1e9
            total += gb * (1 - ctx.work.cdn_hits.get(dist.key, 0.0))
    return total
