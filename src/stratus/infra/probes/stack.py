"""A diagnostic stack of functions that fail on purpose, for the local cloud's failure-path tests.

Added by `build_app` only with context `probes=true`, and refused for prod: its API has no
authorizer. Each function/route exercises one failure the local cloud must answer like AWS
does: a handler crash, a Lambda timeout, reserved-concurrency throttling, a malformed proxy
response, an integration timeout and stage throttling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.stage import StageConfig, StageConfigError

HANDLERS = "stratus.probes.handlers"
CONTEXT_KEY = "probes"
# The integration timeout of GET /gateway-timeout: shorter than the function's own sleep.
GATEWAY_TIMEOUT = Duration.millis(1000)
_WHY = "Diagnostic stack for local failure-path testing; refused for prod, never deployed there."


def probes_stack_name(stage: str) -> str:
    return f"Stratus-{stage}-Probes"


def probes_enabled(value: Any, cfg: StageConfig) -> bool:
    """Read context `probes` (default false); a prod stage with probes is a config error."""
    if value is None or value == "" or value is False:
        return False
    text = str(value).strip().lower()
    if text in ("false", "0", "no", "off"):
        return False
    if text not in ("true", "1", "yes", "on"):
        raise StageConfigError(f"context {CONTEXT_KEY} must be true or false, got {value!r}")
    if cfg.is_prod:
        raise StageConfigError(
            f"context {CONTEXT_KEY}=true is refused for stage prod: the probes stack is an "
            "unauthenticated diagnostic API for local testing"
        )
    return True


class ProbesStack(Stack):
    """Functions `CrashFunction`, `SlowFunction`, `SerialFunction`, `MalformedFunction`,
    `GatewaySlowFunction`, `OkFunction` and the unauthenticated REST API `ProbeApi`."""

    def __init__(self, scope: Construct, *, cfg: StageConfig, code_path: Path) -> None:
        name = probes_stack_name(cfg.name)
        super().__init__(
            scope, name, stack_name=name, description=f"stratus failure probes ({cfg.name})"
        )
        self.cfg = cfg
        self.code = lambda_.Code.from_asset(str(code_path))
        self.role = iam.Role(
            self,
            "ProbeRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"stratus probes ({cfg.name}): CloudWatch Logs only",
        )
        crash = self._function("CrashFunction", "crash")
        slow = self._function("SlowFunction", "slow", timeout=Duration.seconds(1))
        serial = self._function(
            "SerialFunction", "slow", timeout=Duration.seconds(10), reserved_concurrency=1
        )
        malformed = self._function("MalformedFunction", "malformed")
        gateway_slow = self._function("GatewaySlowFunction", "slow", timeout=Duration.seconds(10))
        ok = self._function("OkFunction", "ok")

        api = apigw.RestApi(
            self,
            "ProbeApi",
            rest_api_name=f"stratus-{cfg.name}-probes",
            description="stratus failure probes (diagnostic, local only)",
            endpoint_configuration=apigw.EndpointConfiguration(types=[apigw.EndpointType.REGIONAL]),
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(
                stage_name=cfg.name,
                method_options={
                    "/throttled/GET": apigw.MethodDeploymentOptions(
                        throttling_rate_limit=1, throttling_burst_limit=1
                    )
                },
            ),
        )
        routes: dict[str, apigw.LambdaIntegration] = {
            "crash": apigw.LambdaIntegration(crash, allow_test_invoke=False),
            "slow": apigw.LambdaIntegration(slow, allow_test_invoke=False),
            "malformed": apigw.LambdaIntegration(malformed, allow_test_invoke=False),
            "ok": apigw.LambdaIntegration(ok, allow_test_invoke=False),
            "throttled": apigw.LambdaIntegration(ok, allow_test_invoke=False),
            "gateway-timeout": apigw.LambdaIntegration(
                gateway_slow, allow_test_invoke=False, timeout=GATEWAY_TIMEOUT
            ),
        }
        for path, integration in routes.items():
            api.root.add_resource(path).add_method("GET", integration)

        for rule in (
            "AwsSolutions-APIG1",  # access logging
            "AwsSolutions-APIG2",  # request validation
            "AwsSolutions-APIG3",  # WAF
            "AwsSolutions-APIG4",  # authorization
            "AwsSolutions-APIG6",  # execution logging
            "AwsSolutions-COG4",  # Cognito authorizer
        ):
            acknowledge(self, rule, _WHY)

        outputs = {
            "ProbeApiUrl": api.url,
            "CrashFunctionName": crash.function_name,
            "SlowFunctionName": slow.function_name,
            "SerialFunctionName": serial.function_name,
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)

    def _function(
        self,
        construct_id: str,
        handler: str,
        *,
        timeout: Duration = Duration.seconds(3),
        reserved_concurrency: int | None = None,
    ) -> lambda_.Function:
        # An explicit log group: retention without the LogRetention custom resource.
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            retention=logs.RetentionDays.ONE_DAY,
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_group.grant_write(self.role)
        fn = lambda_.Function(
            self,
            construct_id,
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,
            handler=f"{HANDLERS}.{handler}",
            code=self.code,
            memory_size=128,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrency,
            log_group=log_group,
            role=self.role,
        )
        acknowledge(
            fn,
            "AwsSolutions-L1",
            "Pinned to Python 3.11 like every stratus function; the local cloud runs the "
            "bundle on the same interpreter.",
        )
        return fn
