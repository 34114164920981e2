"""Regenerates the to-do API's Python SDK (`stratus_todo_client`) from its OpenAPI document.

openapi-python-client writes the code; this script only pins how: the document comes from
`python -m stratus.todo.openapi` (or --spec FILE), the package name is fixed, and the output is
formatted by the project's ruff with explicit settings so a temp-dir run is byte-identical to
the committed copy (tests/unit/cli/test_sdk_is_current.py relies on that).

    .venv/bin/python sdk/generate.py            # rewrites sdk/openapi.json and the package
    .venv/bin/python sdk/generate.py --out DIR  # writes DIR/stratus_todo_client/ (drift test)
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "stratus_todo_client"
SPEC_FILE = HERE / "openapi.json"
CONFIG = (
    "package_name_override: stratus_todo_client\n"
    "project_name_override: stratus-todo-client\n"
    "post_hooks: []\n"  # formatting is done below, with pinned settings
)
RUFF_ARGS = ["--isolated", "--line-length", "100", "--target-version", "py311"]


def load_spec(path: Path | None = None) -> dict[str, object]:
    """The API's OpenAPI document, straight from the code that serves the API."""
    if path is not None:
        return dict(json.loads(path.read_text()))
    out = subprocess.run(
        [sys.executable, "-m", "stratus.todo.openapi"], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out))


def normalize(spec: dict[str, object]) -> dict[str, object]:
    """Drops the JSON body some generators document for 204 (a 204 has none, by HTTP's rules).

    Without this the generated client calls `response.json()` on an empty 204 and fails.
    """
    spec = copy.deepcopy(spec)
    paths = spec.get("paths")
    for ops in paths.values() if isinstance(paths, dict) else ():
        for op in ops.values() if isinstance(ops, dict) else ():
            no_content = op.get("responses", {}).get("204") if isinstance(op, dict) else None
            if isinstance(no_content, dict):
                no_content.pop("content", None)
    return spec


def _run(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(list(args), check=True, cwd=cwd, capture_output=True, text=True)


def generate(spec: dict[str, object], out_dir: Path) -> Path:
    """Writes out_dir/stratus_todo_client/ (replacing it) and returns that path."""
    target = out_dir / PACKAGE
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "spec.json").write_text(json.dumps(normalize(spec), indent=2, sort_keys=True))
        (work / "config.yaml").write_text(CONFIG)
        built = work / PACKAGE
        _run(
            sys.executable, "-m", "openapi_python_client", "generate",
            "--path", str(work / "spec.json"), "--config", str(work / "config.yaml"),
            "--meta", "none", "--output-path", str(built), "--overwrite",
        )  # fmt: skip
        (built / "py.typed").write_text("")
        _run(sys.executable, "-m", "ruff", "check", "--fix", "--select", "I,F401,UP", "--no-cache",
             "--exit-zero", *RUFF_ARGS, str(built))  # fmt: skip
        _run(sys.executable, "-m", "ruff", "format", "--no-cache", *RUFF_ARGS, str(built))
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(built, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, help="OpenAPI JSON file (default: from the code)")
    parser.add_argument("--out", type=Path, help="folder to write the package into")
    args = parser.parse_args(argv)
    spec = load_spec(args.spec)
    if args.out is None:
        SPEC_FILE.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    print(generate(spec, args.out or HERE))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
