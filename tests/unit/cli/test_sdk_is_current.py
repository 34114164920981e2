"""The committed SDK is exactly what the API's current OpenAPI document generates.

If this fails, the API changed without `make sdk`: run it and commit sdk/.
"""

from __future__ import annotations

import filecmp
import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]
SDK = ROOT / "sdk"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sdk_generate", SDK / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _differences(cmp: filecmp.dircmp[str], prefix: str = "") -> list[str]:
    out = [f"{prefix}{n} (only in one)" for n in cmp.left_only + cmp.right_only]
    # dircmp looks at stat only; compare bytes so equal sizes and mtimes hide nothing.
    out += [f"{prefix}{n}" for n in cmp.common_files if not filecmp.cmp(
        Path(cmp.left) / n, Path(cmp.right) / n, shallow=False
    )]  # fmt: skip
    for name, sub in cmp.subdirs.items():
        if name != "__pycache__":
            out += _differences(sub, f"{prefix}{name}/")
    return out


def test_committed_openapi_document_matches_the_code() -> None:
    gen = _generator()
    assert json.loads((SDK / "openapi.json").read_text()) == gen.load_spec()


def test_committed_sdk_matches_a_fresh_generation(tmp_path: Path) -> None:
    gen = _generator()
    fresh = gen.generate(gen.load_spec(), tmp_path)
    cmp = filecmp.dircmp(SDK / "stratus_todo_client", fresh, ignore=["__pycache__"])
    assert _differences(cmp) == [], "the SDK is stale: run `make sdk`"
