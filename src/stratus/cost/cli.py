"""`stratus cost --stage NAME [--traffic FILE] [--json]`: what a stage will cost on AWS a month.

The stage's templates are synthesized as `make synth` does (or read from `--cdk-out DIR`),
priced for the traffic profile (`--traffic FILE`, JSON or YAML; without it the documented
default for the stage) with the prices of `--region`. Options on the command line override
the profile's `options`. A bad traffic file is reported in one message with exit code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from stratus.cost.estimate import estimate
from stratus.cost.model import Estimate
from stratus.cost.pricebook import PriceError, load_prices
from stratus.cost.profile import (
    CostOptions,
    ProfileError,
    TrafficProfile,
    default_profile,
    load_profile,
)
from stratus.cost.report import render_text
from stratus.cost.templates import load_templates, select_systems, synthesize_stage
from stratus.local.provision.assembly import AssemblyError
from stratus.local.provision.project import ProjectError
from stratus.local.provision.synth import SynthError

ON_OFF = {"on": True, "off": False}


def _fail(message: str) -> typer.Exit:
    print(f"stratus cost: {message}", file=sys.stderr)
    return typer.Exit(2)


def _switch(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value not in ON_OFF:
        raise _fail(f"{name} must be on or off, got {value!r}")
    return ON_OFF[value]


def merged_options(profile: TrafficProfile, overrides: dict[str, Any]) -> CostOptions:
    """The profile's options with the command line's (non-None) choices on top."""
    data = profile.options.model_dump()
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return CostOptions.model_validate(data)
    except ValueError as exc:
        raise _fail(f"invalid option: {exc}") from None


def resolve_profile(stage: str, traffic: Path | None) -> TrafficProfile:
    """The profile to price: the traffic file, else the stage's documented default."""
    return load_profile(traffic) if traffic is not None else default_profile(stage)


def cost(
    stage: str = typer.Option("prod", "--stage", help="The stage to price (dev, test, prod, ...)."),
    traffic: Path | None = typer.Option(
        None,
        "--traffic",
        metavar="FILE",
        help="Traffic profile (JSON or YAML); default: the stage's.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the estimate as JSON."),
    region: str = typer.Option("us-east-1", "--region", help="Region whose prices apply."),
    cdk_out: Path | None = typer.Option(
        None,
        "--cdk-out",
        metavar="DIR",
        file_okay=False,
        help="Price this cloud assembly (no synth).",
    ),
    systems: str = typer.Option("", "--systems", help="Comma list of systems (default: all)."),
    dynamodb: str | None = typer.Option(None, "--dynamodb", help="on-demand | provisioned"),
    dax: str | None = typer.Option(None, "--dax", help="on | off (synthesizes with DAX on or off)"),
    api_cache: str | None = typer.Option(
        None, "--api-cache", help="off | 0.5 | 1.6 | 6.1 | ... (GB)"
    ),
    cloudfront: str | None = typer.Option(
        None, "--cloudfront", help="on | off (off: origins serve)"
    ),
    price_class: str | None = typer.Option(
        None, "--price-class", help="PriceClass_100 | _200 | _All"
    ),
    lambda_memory: int | None = typer.Option(None, "--lambda-memory", help="MB for every function"),
    lambda_arch: str | None = typer.Option(None, "--lambda-arch", help="x86_64 | arm64"),
    free_tier: bool | None = typer.Option(
        None, "--free-tier/--no-free-tier", help="Apply free tiers."
    ),
    ses_plan: str | None = typer.Option(
        None, "--ses-plan", help="per-use | essentials (SES's plan since 2026-07-21)"
    ),
    app_dir: Path | None = typer.Option(
        None, "--app", metavar="DIR", file_okay=False, help="Another CDK app (default: this one)."
    ),
) -> None:
    """Price a stage's synthesized templates for a traffic profile, per service and resource."""
    try:
        profile = resolve_profile(stage, traffic)
        prices = load_prices(region)
    except (ProfileError, PriceError) as exc:
        raise _fail(str(exc)) from None
    dax_on = _switch(dax, "--dax")
    overrides: dict[str, Any] = {
        "dynamodb_mode": dynamodb.replace("-", "_") if dynamodb else None,
        "dax": dax_on,
        "api_cache_size": api_cache,
        "cloudfront": _switch(cloudfront, "--cloudfront"),
        "cloudfront_price_class": price_class,
        "lambda_memory_mb": lambda_memory,
        "lambda_architecture": lambda_arch,
        "free_tier": free_tier,
        "ses_plan": ses_plan.replace("-", "_") if ses_plan else None,
    }
    options = merged_options(profile, overrides)
    names = tuple(s.strip() for s in systems.split(",") if s.strip())
    try:
        if cdk_out is None:
            from stratus.cli.up import project_root

            cdk_out = synthesize_stage(project_root(app_dir), stage, dax=dax_on, region=region)
        stacks = load_templates(cdk_out)
    except (SynthError, AssemblyError, ProjectError, typer.BadParameter, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _fail(f"cannot read the {stage} templates: {first}") from None
    templates = select_systems(stacks, names)
    if names and not templates:
        known = sorted({s.system for s in stacks if s.system})
        raise _fail(f"no stacks of system(s) {', '.join(names)}; systems: {', '.join(known)}")
    try:
        result = estimate(templates, profile, prices, options, stage=stage)
    except (PriceError, ValueError) as exc:
        raise _fail(str(exc)) from None
    _print(result, as_json)


def _print(result: Estimate, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(render_text(result), end="")
