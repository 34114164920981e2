"""Regenerates the catalog's Python SDK (`stratus_catalog_client`) from its API Gateway export.

The document is what `aws apigateway get-export --export-type oas30` returns for the
catalog stage of a running cloud (models, query parameters and responses come from the
stack's API Gateway declarations), made stage-neutral by `canonical()` and committed as
`sdk/catalog/openapi.json`; openapi-python-client writes the package from it (the same
completion `stratus sdk` applies: `stratus.local.gateway.sdk.sdk_document`), and the
hand-written SigV4 hook `sdk/catalog/signing.py` is copied in beside the generated code.
Output is formatted by ruff with pinned settings, so a temp-dir run is byte-identical to
the committed copy (tests/unit/shop/catalog/test_catalog_sdk_is_current.py relies on that;
tests/integration/test_shop_catalog_sdk.py checks the running export against the document).

    .venv/bin/python sdk/catalog_sdk.py --export FILE   # new export: rewrite doc and package
    .venv/bin/python sdk/catalog_sdk.py                 # regenerate from the committed doc
    .venv/bin/python sdk/catalog_sdk.py --out DIR       # write DIR/stratus_catalog_client/
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from stratus.local.gateway.sdk import sdk_document

HERE = Path(__file__).resolve().parent
PACKAGE = "stratus_catalog_client"
SPEC_FILE = HERE / "catalog" / "openapi.json"
HAND_WRITTEN = (HERE / "catalog" / "signing.py",)
TITLE = "stratus-catalog"
VERSION = "2.0.0"  # the API's version: v2 is the newest resource tree
CONFIG = (
    f"package_name_override: {PACKAGE}\n"
    "project_name_override: stratus-catalog-client\n"
    "post_hooks: []\n"
)
RUFF_ARGS = ["--isolated", "--line-length", "100", "--target-version", "py311"]


def canonical(export: dict[str, Any]) -> dict[str, Any]:
    """The export without what differs per stage and deployment (API name and id, server
    URL, deployment date, gateway extensions), completed for generators."""
    doc = sdk_document(export)
    doc = {k: v for k, v in doc.items() if not k.startswith("x-") and k != "servers"}
    doc["info"] = {"title": TITLE, "version": VERSION}
    return dict(json.loads(json.dumps(doc, sort_keys=True)))


def _run(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, text=True)


def generate(doc: dict[str, Any], out_dir: Path) -> Path:
    """Writes out_dir/stratus_catalog_client/ (replacing it) and returns that path."""
    target = out_dir / PACKAGE
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "spec.json").write_text(json.dumps(doc, indent=2, sort_keys=True))
        (work / "config.yaml").write_text(CONFIG)
        built = work / PACKAGE
        _run(
            sys.executable, "-m", "openapi_python_client", "generate",
            "--path", str(work / "spec.json"), "--config", str(work / "config.yaml"),
            "--meta", "none", "--output-path", str(built), "--overwrite",
        )  # fmt: skip
        (built / "py.typed").write_text("")
        for source in HAND_WRITTEN:
            shutil.copy2(source, built / source.name)
        _run(sys.executable, "-m", "ruff", "check", "--fix", "--select", "I,F401,UP", "--no-cache",
             "--exit-zero", *RUFF_ARGS, str(built))  # fmt: skip
        _run(sys.executable, "-m", "ruff", "format", "--no-cache", *RUFF_ARGS, str(built))
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(built, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=Path, help="an oas30 export of the catalog stage")
    parser.add_argument("--out", type=Path, help="folder to write the package into")
    args = parser.parse_args(argv)
    if args.export is not None:
        doc = canonical(json.loads(args.export.read_text()))
        SPEC_FILE.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    else:
        doc = json.loads(SPEC_FILE.read_text())
    print(generate(doc, args.out or HERE))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
