"""A Python Lambda function as every system's stack declares it: its own log group (retention
without the LogRetention custom resource), its own role that may only write that group
(grants are added by the caller, least privilege), active tracing, and the bundle's
runtime and architecture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stratus.infra.shared.nag import acknowledge


class FunctionStage(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def log_retention(self) -> logs.RetentionDays: ...


def python_function(
    scope: Construct,
    construct_id: str,
    *,
    cfg: FunctionStage,
    handler: str,
    code: lambda_.Code,
    env: dict[str, str],
    timeout_seconds: int,
    managed_policies: Sequence[tuple[str, str]] = (),
    **options: Any,
) -> lambda_.Function:
    """`managed_policies`: (AWS managed policy name, why cdk-nag may accept it); `options`:
    further `lambda_.Function` properties (a VPC, its subnets and security groups)."""
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=cfg.log_retention,
        removal_policy=RemovalPolicy.DESTROY,
    )
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{construct_id} ({cfg.name})",
    )
    log_group.grant_write(role)
    for policy, reason in managed_policies:
        role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(policy))
        acknowledge(
            role,
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy}]",
            reason,
        )
    # Tracing.ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords, which take no resource.
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "Only the X-Ray write actions added by active tracing use Resource '*': X-Ray "
        "does not support resource-level permissions for them.",
    )
    fn = lambda_.Function(
        scope,
        construct_id,
        runtime=lambda_.Runtime.PYTHON_3_11,
        # The bundles' binary wheels (pydantic-core, wrapt) are built for x86_64, so the same
        # asset also runs unchanged in the local cloud on x86_64 machines.
        architecture=lambda_.Architecture.X86_64,
        handler=handler,
        code=code,
        memory_size=512,
        timeout=Duration.seconds(timeout_seconds),
        tracing=lambda_.Tracing.ACTIVE,
        environment=env,
        log_group=log_group,
        role=role,
        **options,
    )
    acknowledge(
        fn,
        "AwsSolutions-L1",
        "Pinned to Python 3.11: the project and its bundled wheels (cp311) target 3.11, "
        "and the local cloud runs the same bundle on the same interpreter.",
    )
    return fn
