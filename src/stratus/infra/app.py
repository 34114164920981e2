"""The one CDK app: `build_app()` is used by cdk.json, `make synth`, the local cloud and tests.

Context precedence (lowest first): the `context` block of cdk.json (feature flags, so an
in-process synth matches `cdk synth`), then CDK_CONTEXT_JSON (how the cdk CLI passes `-c`),
then the `context` argument. Stacks are env-agnostic: synth never needs AWS credentials.

    python -m stratus.infra.app [--stage dev] [--dax true|false] [--outdir DIR] [-c key=value]
                                [--anyContextKey value]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App

from stratus.infra.bundling import BundleError, build_lambda_bundle
from stratus.infra.nag import enable_nag
from stratus.infra.stacks.probes import CONTEXT_KEY as PROBES_KEY
from stratus.infra.stacks.probes import ProbesStack, probes_enabled
from stratus.infra.stacks.todo import TodoStack
from stratus.infra.stage import StageConfigError, stage_config

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# Context keys the stage config reads (everything else is CDK feature flags).
STAGE_KEYS = ("stage", "dax", "daxNodeType", "callbackUrls", "logoutUrls", "domainPrefix")


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
    view = {key: app.node.try_get_context(key) for key in STAGE_KEYS}
    cfg = stage_config(view)
    bundle = build_lambda_bundle(PROJECT_ROOT)
    TodoStack(app, cfg=cfg, code_path=bundle)
    # Diagnostic functions that fail on purpose (local failure-path tests); never in prod.
    if probes_enabled(app.node.try_get_context(PROBES_KEY), cfg):
        probes = build_lambda_bundle(
            PROJECT_ROOT, name="probes", packages=("probes",), third_party=False
        )
        ProbesStack(app, cfg=cfg, code_path=probes)
    enable_nag(app)
    return app


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
    except (StageConfigError, BundleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # jsii surfaces ValidationFailed (cdk-nag) this way
        print(f"synth failed: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"synthesized {len(assembly.stacks)} stack(s) into {assembly.directory}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
