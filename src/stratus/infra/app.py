"""The one CDK app: `build_app()` is used by cdk.json, `make synth`, the local cloud and tests.

It builds the stacks of the systems named by context `systems` (a comma list; default: every
system of `stratus.systems`), so `stratus up --system todo` synthesizes only the to-do stacks.
Context precedence (lowest first): the `context` block of cdk.json (feature flags, so an
in-process synth matches `cdk synth`), then CDK_CONTEXT_JSON (how the cdk CLI passes `-c`),
then the `context` argument. Stacks are env-agnostic: synth never needs AWS credentials.

With context `pipeline=true` it builds the delivery pipeline stack instead
(`stratus.infra.pipeline`), whose dev/test/prod stages hold the systems' stacks.

    python -m stratus.infra.app [--stage dev] [--dax true|false] [--outdir DIR] [-c key=value]
                                [--systems a,b] [--anyContextKey value]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack
from constructs import Construct

from stratus.infra.pipeline.model import PIPELINE_CONTEXT_KEY
from stratus.infra.shared.bundling import PROJECT_ROOT, BundleError
from stratus.infra.shared.nag import enable_nag
from stratus.infra.shared.stage import (
    STAGE_KEYS,
    StageConfig,
    StageConfigError,
    flag,
    stage_config,
)
from stratus.systems import SYSTEMS_CONTEXT_KEY, UnknownSystemError, parse_names, select

SYSTEM_TAG = "stratus:system"  # stack-level tag naming the system a stack belongs to

__all__ = ["PROJECT_ROOT", "build_app", "build_systems", "cdk_json_context", "main"]


def cdk_json_context(project_root: Path = PROJECT_ROOT) -> dict[str, Any]:
    path = project_root / "cdk.json"
    if not path.is_file():
        return {}
    context = json.loads(path.read_text()).get("context", {})
    return dict(context) if isinstance(context, dict) else {}


def _builtin_validation() -> bool:
    return os.environ.get("CDK_VALIDATION", "false").strip().lower() in ("true", "1", "yes")


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> App:
    """Build (not synthesize) the app for the stage named in the context."""
    app = App(
        context=cdk_json_context(),
        post_cli_context=dict(context or {}),
        outdir=outdir,
        analytics_reporting=False,
        # CDK's built-in CloudFormation schema check triples synth time (2 s -> 7 s, measured);
        # cfn-lint checks the same templates in the tests. CDK_VALIDATION=true turns it back on.
        builtin_cloud_formation_validation=_builtin_validation(),
    )
    names = parse_names(app.node.try_get_context(SYSTEMS_CONTEXT_KEY))
    if flag(app.node.try_get_context(PIPELINE_CONTEXT_KEY) or False, PIPELINE_CONTEXT_KEY):
        # `-c pipeline=true`: the delivery pipeline only; its stages build the systems.
        from stratus.infra.pipeline.stack import PIPELINE_KEYS, PipelineSource, PipelineStack

        context = {key: app.node.try_get_context(key) for key in PIPELINE_KEYS}
        PipelineStack(app, source=PipelineSource.from_context(context), systems=names)
    else:
        cfg = stage_config({key: app.node.try_get_context(key) for key in STAGE_KEYS})
        build_systems(app, cfg, names)
    enable_nag(app)
    return app


def build_systems(scope: Construct, cfg: StageConfig, names: Sequence[str]) -> None:
    """Add the named systems' stacks (every system when none is named) for one stage to
    `scope`: the app, or a pipeline's `cdk.Stage`."""
    for system in select(names):
        before = set(scope.node.children)
        system.build(scope, cfg, bool(names))  # type: ignore[arg-type]  # a Stage works too
        for child in scope.node.children:
            if child not in before and isinstance(child, Stack):
                # A stack-level tag (on every resource once deployed): which system it is;
                # the local cloud groups its start-up report by it.
                child.tags.set_tag(SYSTEM_TAG, system.name)


def _parse_args(argv: Sequence[str]) -> tuple[dict[str, Any], str | None]:
    parser = argparse.ArgumentParser(prog="python -m stratus.infra.app", description=__doc__)
    parser.add_argument("--stage", help="stage name (default: dev)")
    parser.add_argument("--dax", choices=["true", "false"], help="DAX cache on/off")
    parser.add_argument(
        "--outdir", help="cloud assembly directory (default: CDK_OUTDIR or cdk.out)"
    )
    parser.add_argument(
        "-c", "--context", action="append", default=[], metavar="KEY=VALUE", help="extra context"
    )
    args, extra = parser.parse_known_args(list(argv))
    context: dict[str, Any] = {}
    # Any other `--key value` / `--key=value` pair is context too (e.g. --callbackUrls a,b).
    while extra:
        flag = extra.pop(0)
        key, sep, value = flag.removeprefix("--").partition("=")
        if not flag.startswith("--") or not key:
            parser.error(f"unexpected argument {flag!r}")
        if not sep:
            if not extra:
                parser.error(f"{flag} needs a value")
            value = extra.pop(0)
        context[key] = value
    for item in args.context:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"context must be KEY=VALUE, got {item!r}")
        context[key] = value
    if args.stage:
        context["stage"] = args.stage
    if args.dax:
        context["dax"] = args.dax
    return context, args.outdir


def main(argv: Sequence[str] | None = None) -> int:
    context, outdir = _parse_args(sys.argv[1:] if argv is None else argv)
    try:
        app = build_app(context, outdir)
        assembly = app.synth()
    except (StageConfigError, BundleError, UnknownSystemError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # jsii surfaces ValidationFailed (cdk-nag) this way
        print(f"synth failed: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"synthesized {len(assembly.stacks)} stack(s) into {assembly.directory}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
