"""The CDK Pipelines stack: the pipeline model (`model.PIPELINE`) as a self-mutating
`CodePipeline`.

Source: a CodeStar (CodeConnections) connection to the repository, from context
`pipelineRepo` (owner/name), `pipelineBranch` (default main) and `pipelineConnectionArn`;
`pipelineAccount` / `pipelineRegion` place it (default: the CDK CLI's account and region)
(https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.pipelines/ConnectionSourceOptions.html).
Synth: one CodeBuild job runs the model's install, lint, unit tests and synth commands and
hands `cdk.out` to the pipeline. Each `StageSpec` becomes a `cdk.Stage` holding every selected
system's stacks for that stage (built the way `stratus.infra.app` builds them); the test stage
gets the smoke suites as a `ShellStep` with the stacks' outputs as environment
(`env_from_cfn_outputs`), prod a `ManualApprovalStep` before it.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Environment, Stack, pipelines
from aws_cdk import Stage as CdkStage
from aws_cdk import aws_codebuild as codebuild
from constructs import Construct

from stratus.infra.pipeline.model import (
    PIPELINE,
    PipelineSpec,
    StageSpec,
    Step,
    output_env_name,
    smoke_environment,
)
from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.stage import StageConfigError, stage_config

PIPELINE_STACK_NAME = "Stratus-Pipeline"
# CodeBuild runs the synth with the venv the install commands made.
CODEBUILD_PYTHON = ".venv/bin/python"
PIPELINE_KEYS = (
    "pipelineRepo",
    "pipelineBranch",
    "pipelineConnectionArn",
    "pipelineAccount",
    "pipelineRegion",
)
# CDK Pipelines needs the pipeline stack's region explicit once a stage stack is pinned to
# one (the blog's us-east-1, for CloudFront).
DEFAULT_PIPELINE_REGION = "us-east-1"


@dataclass(frozen=True)
class PipelineSource:
    repo: str
    branch: str
    connection_arn: str
    # Where the pipeline runs: context pipelineAccount / pipelineRegion, else the CDK CLI's
    # CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION, else us-east-1 (the blog's pinned region).
    account: str | None = None
    region: str = DEFAULT_PIPELINE_REGION

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> PipelineSource:
        repo = str(context.get("pipelineRepo") or "").strip()
        arn = str(context.get("pipelineConnectionArn") or "").strip()
        branch = str(context.get("pipelineBranch") or "main").strip()
        if "/" not in repo or not arn.startswith("arn:"):
            raise StageConfigError(
                "the pipeline needs context pipelineRepo=OWNER/NAME and "
                "pipelineConnectionArn=arn:aws:codeconnections:... (pipelineBranch: default main)"
            )
        account = context.get("pipelineAccount") or os.environ.get("CDK_DEFAULT_ACCOUNT")
        region = (
            context.get("pipelineRegion")
            or os.environ.get("CDK_DEFAULT_REGION")
            or DEFAULT_PIPELINE_REGION
        )
        return cls(
            repo=repo,
            branch=branch,
            connection_arn=arn,
            account=str(account) if account else None,
            region=str(region),
        )


def shell(commands: Sequence[Sequence[str]]) -> list[str]:
    return [shlex.join(command) for command in commands]


def render(step: Step, systems: Sequence[str]) -> list[str]:
    return shell(step.rendered(CODEBUILD_PYTHON, systems))


class SystemsStage(CdkStage):
    """Every selected system's stacks for one stage, as `stratus.infra.app` builds them."""

    def __init__(self, scope: Construct, spec: StageSpec, systems: Sequence[str]) -> None:
        from stratus.infra.app import build_systems

        super().__init__(scope, spec.name.capitalize())
        self.spec = spec

        # Set before any child exists (node.set_context's rule): the systems read the stage
        # from context like the plain app does.
        self.node.set_context("stage", spec.name)
        # Each stage keeps its own DAX default (on in prod), whatever -c dax the synth had.
        self.node.set_context("dax", None)
        self.cfg = stage_config({"stage": spec.name, "dax": None})
        build_systems(self, self.cfg, systems)

    def outputs(self) -> dict[str, CfnOutput]:
        """Every stack output of the stage by its key (the logical id)."""
        found: dict[str, CfnOutput] = {}
        for child in self.node.children:
            if isinstance(child, Stack):
                for node in child.node.find_all():
                    if isinstance(node, CfnOutput):
                        found[str(child.resolve(node.logical_id))] = node
        return found


class PipelineStack(Stack):
    """The self-mutating pipeline that takes the repository to dev, test and prod."""

    def __init__(
        self,
        scope: Construct,
        *,
        source: PipelineSource,
        systems: Sequence[str] = (),
        spec: PipelineSpec = PIPELINE,
    ) -> None:
        super().__init__(
            scope,
            PIPELINE_STACK_NAME,
            stack_name=PIPELINE_STACK_NAME,
            description="stratus delivery pipeline (CDK Pipelines): dev -> test -> prod",
            env=Environment(account=source.account, region=source.region),
        )
        self._source = source
        repo = pipelines.CodePipelineSource.connection(
            source.repo, source.branch, connection_arn=source.connection_arn
        )
        build_env = codebuild.BuildEnvironment(
            build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
            compute_type=codebuild.ComputeType.MEDIUM,
        )
        synth = pipelines.ShellStep(
            "Synth",
            input=repo,
            install_commands=render(spec.install, systems),
            commands=[
                line for step in (*spec.checks, spec.synth) for line in render(step, systems)
            ],
            primary_output_directory="cdk.out",
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name="stratus",
            synth=synth,
            self_mutation=True,
            code_build_defaults=pipelines.CodeBuildOptions(build_environment=build_env),
        )
        from stratus.systems import select

        deployed = [system.name for system in select(systems)]
        self.stages: dict[str, SystemsStage] = {}
        for stage_spec in spec.stages:
            stage = SystemsStage(self, stage_spec, systems)
            self.stages[stage_spec.name] = stage
            pre: list[pipelines.Step] = []
            post: list[pipelines.Step] = []
            if stage_spec.approval:
                pre.append(
                    pipelines.ManualApprovalStep(
                        f"Approve{stage.stage_name}",
                        comment=f"Deploy to {stage_spec.name}? (the test stage's tests passed)",
                    )
                )
            smoke = spec.smoke_step(deployed) if stage_spec.post_tests else None
            if smoke is not None:
                post.append(self._smoke_step(spec, smoke, stage, repo, deployed))
            self.pipeline.add_stage(stage, pre=pre, post=post)
        self.pipeline.build_pipeline()
        self._acknowledge()

    def _smoke_step(
        self,
        spec: PipelineSpec,
        smoke: Step,
        stage: SystemsStage,
        repo: pipelines.CodePipelineSource,
        deployed: Sequence[str],
    ) -> pipelines.ShellStep:
        outputs = stage.outputs()
        suites = spec.smoke_suites(deployed)
        missing = [key for suite in suites for key in suite.outputs if key not in outputs]
        if missing:
            raise StageConfigError(
                f"the smoke suites read outputs the {stage.spec.name} stage lacks: "
                f"{', '.join(missing)}"
            )
        env = {output_env_name(key): outputs[key] for suite in suites for key in suite.outputs}
        return pipelines.ShellStep(
            "IntegrationTests",
            input=repo,
            install_commands=render(spec.install, deployed),
            commands=render(smoke, deployed),
            env_from_cfn_outputs=env,
            env=smoke_environment(stage.spec.name),
        )

    def _arn(self, service: str) -> str:
        """An ARN prefix as cdk-nag prints it: the stack's region and account are literals
        when set (the partition follows the region), tokens otherwise."""
        region, account = self._source.region, self._source.account or "<AWS::AccountId>"
        partition = (
            "aws-cn"
            if region.startswith("cn-")
            else "aws-us-gov"
            if region.startswith("us-gov-")
            else "aws"
        )
        return f"arn:{partition}:{service}:{region}:{account}"

    def _acknowledge(self) -> None:
        """CDK Pipelines' generated roles, finding by finding (cdk-nag wants the evidence)."""
        why_runtime = (
            "CDK Pipelines' generated role: CodeBuild log streams and report groups are "
            "created at run time under the project's own name, so the ARN ends in a wildcard"
        )
        for node in self.pipeline.node.find_all():
            if isinstance(node, codebuild.CfnProject):
                project = self.get_logical_id(node)
                for resource in (
                    f"{self._arn('logs')}:log-group:/aws/codebuild/<{project}>:*",
                    f"{self._arn('codebuild')}:report-group/<{project}>-*",
                ):
                    acknowledge(self, f"AwsSolutions-IAM5[Resource::{resource}]", why_runtime)
        acknowledge(
            self,
            f"AwsSolutions-IAM5[Resource::{self._arn('logs')}:log-group:/aws/codebuild/*]",
            "the asset publishing CodeBuild role of CDK Pipelines writes its projects' logs; "
            "the project names are generated per asset",
        )
        acknowledge(
            self,
            f"AwsSolutions-IAM5[Resource::{self._arn('codebuild')}:report-group/*]",
            "the asset publishing CodeBuild role of CDK Pipelines: report groups are created "
            "per generated asset project",
        )
        bucket = self.get_logical_id(
            self.pipeline.pipeline.artifact_bucket.node.default_child  # type: ignore[arg-type]
        )
        acknowledge(
            self,
            f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/*]",
            "pipeline stages read and write their artifacts anywhere in the pipeline's own "
            "artifact bucket (object keys are generated per execution)",
        )
        for action in (
            "s3:Abort*",
            "s3:DeleteObject*",
            "s3:GetBucket*",
            "s3:GetObject*",
            "s3:List*",
        ):
            acknowledge(
                self,
                f"AwsSolutions-IAM5[Action::{action}]",
                "the CDK's grantReadWrite on the pipeline's own artifact bucket, as CDK "
                "Pipelines generates it",
            )
        acknowledge(
            self,
            "AwsSolutions-IAM5[Resource::arn:*:iam::<AWS::AccountId>:role/*]",
            "self-mutation and asset publishing assume the CDK bootstrap roles "
            "(cdk-<qualifier>-*-role-<account>-<region>), whose names vary by qualifier",
        )
        acknowledge(
            self,
            "AwsSolutions-S1",
            "the pipeline's artifact bucket holds build artifacts only (CDK Pipelines makes it, "
            "private and TLS-only); access logs would need one more bucket for no reader",
        )
        acknowledge(
            self,
            "AwsSolutions-CB4",
            "CodeBuild output goes to the artifact bucket, encrypted with S3's managed key; a "
            "customer KMS key (crossAccountKeys) is for cross-account stages, which this "
            "single-account pipeline does not have",
        )
        acknowledge(
            self,
            "AwsSolutions-IAM5[Resource::*]",
            "self-mutation reads CloudFormation stacks and asset publishing reads the "
            "bootstrap SSM version parameter in any region the stages deploy to",
        )
