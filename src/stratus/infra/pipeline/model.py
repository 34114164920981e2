"""The pipeline's steps and stages, as data: the one definition both runners read.

`stratus.infra.pipeline.stack` turns it into a CDK Pipelines `CodePipeline` (a CodeBuild
synth step, one CDK stage per `StageSpec`, a `ShellStep` per post-deployment step, a
`ManualApprovalStep` where `approval` is set); `stratus pipeline run` runs the very same
commands on this machine, deploying each stage to its own local cloud. Pure: no aws_cdk
import, so the CLI loads it in milliseconds.

Commands are argument lists; `{python}` stands for the project's interpreter (the `.venv`
the install step makes on CodeBuild, `sys.executable` locally) and `{systems}` for the
comma list of systems the run builds (empty: every system).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

PYTHON = "{python}"
SYSTEMS = "{systems}"
# CDK context key that makes `stratus.infra.app` build the pipeline stack instead of the
# systems' stacks (`python -m stratus.infra.app -c pipeline=true`).
PIPELINE_CONTEXT_KEY = "pipeline"


class PipelineModelError(ValueError):
    """A selection of steps or stages the pipeline does not have."""


@dataclass(frozen=True)
class Step:
    """One shell step: its commands run in order in the project root; the first that fails
    fails the step."""

    name: str
    title: str
    commands: tuple[tuple[str, ...], ...]
    # False for what only CodeBuild needs (making the venv): locally the interpreter that
    # runs `stratus pipeline run` is the project's.
    runs_locally: bool = True

    def rendered(self, python: str, systems: Sequence[str] = ()) -> list[list[str]]:
        """The commands with `{python}` and `{systems}` filled in."""
        names = ",".join(systems)
        return [
            [arg.replace(PYTHON, python).replace(SYSTEMS, names) for arg in command]
            for command in self.commands
        ]


@dataclass(frozen=True)
class SmokeSuite:
    """A system's post-deployment tests and the stack outputs they read from the
    environment (`STRATUS_OUTPUT_<Key>`, filled from the deployed stage's outputs)."""

    system: str
    path: str
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class StageSpec:
    """A deployment stage: every selected system's stacks for stage `name`."""

    name: str
    # Ask a human before deploying this stage (CDK: a ManualApprovalStep in `pre`).
    approval: bool = False
    # Run the systems' smoke suites against the deployed stage (CDK: a ShellStep in `post`).
    post_tests: bool = False


@dataclass(frozen=True)
class PipelineSpec:
    install: Step  # the venv; CodeBuild's image has Node for jsii, self-mutation its CDK CLI
    checks: tuple[Step, ...]  # lint, unit tests: before the synth, in the same CodeBuild job
    synth: Step
    stages: tuple[StageSpec, ...]
    smoke: Mapping[str, SmokeSuite] = field(default_factory=dict)

    @property
    def build_steps(self) -> tuple[Step, ...]:
        """What the synth job runs, in order (CodeBuild's install phase, then build)."""
        return (self.install, *self.checks, self.synth)

    def stage(self, name: str) -> StageSpec:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise PipelineModelError(
            f"no stage {name!r}; the pipeline's stages: {', '.join(s.name for s in self.stages)}"
        )

    def select_stages(self, names: Sequence[str]) -> tuple[StageSpec, ...]:
        """The named stages in pipeline order (all when none is named)."""
        if not names:
            return self.stages
        wanted = {self.stage(name).name for name in names}
        return tuple(stage for stage in self.stages if stage.name in wanted)

    def select_steps(self, names: Sequence[str]) -> tuple[Step, ...]:
        """The named build steps in pipeline order (all when none is named)."""
        steps = self.build_steps
        if not names:
            return steps
        known = [step.name for step in steps]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise PipelineModelError(
                f"no step {', '.join(map(repr, unknown))}; the build steps: {', '.join(known)}"
            )
        return tuple(step for step in steps if step.name in names)

    def smoke_suites(self, deployed: Sequence[str]) -> tuple[SmokeSuite, ...]:
        """The suites of the deployed systems (names, as the registry resolved them)."""
        return tuple(s for s in self.smoke.values() if s.system in deployed)

    def smoke_step(self, deployed: Sequence[str]) -> Step | None:
        """The post-deployment test step: pytest over the deployed systems' suites (None
        when none of them has one: pytest without paths would run every test)."""
        paths = tuple(suite.path for suite in self.smoke_suites(deployed))
        if not paths:
            return None
        return Step(
            name="smoke",
            title="Post-deployment tests",
            commands=((PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths),),
        )


def output_env_name(output: str) -> str:
    """The environment variable a smoke suite reads a stack output from."""
    return f"STRATUS_OUTPUT_{output}"


# Names the deployed stage to the smoke suites (tests/smoke collects nothing without it).
STAGE_ENV = "STRATUS_PIPELINE_STAGE"


def smoke_environment(stage: str) -> dict[str, str]:
    """The environment the post-deployment step gets beside the stack outputs."""
    return {STAGE_ENV: stage}


PIPELINE = PipelineSpec(
    install=Step(
        "install",
        "Install",
        (
            ("python3", "-m", "venv", ".venv"),
            (".venv/bin/python", "-m", "pip", "install", "--quiet", "-e", ".[dev]"),
        ),
        runs_locally=False,
    ),
    checks=(
        Step(
            "lint",
            "Lint (ruff + mypy, as make lint)",
            (
                (
                    PYTHON,
                    "-m",
                    "ruff",
                    "check",
                    "src",
                    "tests",
                    "bench",
                    "sdk/generate.py",
                    "sdk/blog_openapi.py",
                    "sdk/service_sdk.py",
                ),
                (PYTHON, "-m", "mypy"),
            ),
        ),
        Step(
            "unit",
            "Unit tests",
            ((PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"),),
        ),
    ),
    synth=Step(
        "synth",
        "Synthesize the pipeline and its stages",
        (
            (
                PYTHON,
                "-m",
                "stratus.infra.app",
                "--outdir",
                "cdk.out",
                "-c",
                f"{PIPELINE_CONTEXT_KEY}=true",
                "-c",
                f"systems={SYSTEMS}",
            ),
        ),
    ),
    stages=(
        StageSpec("dev"),
        StageSpec("test", post_tests=True),
        StageSpec("prod", approval=True),
    ),
    smoke={
        "todo": SmokeSuite("todo", "tests/smoke/test_todo.py", ("TodoApiUrl", "UserPoolId")),
        "blog": SmokeSuite("blog", "tests/smoke/test_blog.py", ("BlogApiUrl",)),
        # Runs once the shop system is registered (issue 10): catalog's public v1 reads.
        "shop": SmokeSuite("shop", "tests/smoke/test_shop.py", ("CatalogApiUrl",)),
    },
)
