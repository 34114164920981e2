"""The committed catalog SDK is exactly what its committed export document generates, and
the document describes the routes the catalog stack declares.

If this fails: run `sdk/catalog_sdk.py` (or with `--export` after an API change; the
integration test compares the running cloud's export with the document) and commit sdk/.
"""

from __future__ import annotations

import filecmp
import importlib.util
import json
from pathlib import Path
from types import ModuleType

from stratus.infra.shop.catalog import PRICES_PATH, PUBLIC_READS

ROOT = Path(__file__).resolve().parents[4]
SDK = ROOT / "sdk"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("catalog_sdk", SDK / "catalog_sdk.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _differences(cmp: filecmp.dircmp[str], prefix: str = "") -> list[str]:
    out = [f"{prefix}{n} (only in one)" for n in cmp.left_only + cmp.right_only]
    out += [f"{prefix}{n}" for n in cmp.common_files if not filecmp.cmp(
        Path(cmp.left) / n, Path(cmp.right) / n, shallow=False
    )]  # fmt: skip
    for name, sub in cmp.subdirs.items():
        if name != "__pycache__":
            out += _differences(sub, f"{prefix}{name}/")
    return out


def test_committed_sdk_matches_a_fresh_generation(tmp_path: Path) -> None:
    gen = _generator()
    fresh = gen.generate(json.loads(gen.SPEC_FILE.read_text()), tmp_path)
    cmp = filecmp.dircmp(SDK / "stratus_catalog_client", fresh, ignore=["__pycache__"])
    assert _differences(cmp) == [], "the catalog SDK is stale: run sdk/catalog_sdk.py"


def test_the_document_has_every_declared_route_with_its_operation() -> None:
    doc = json.loads(_generator().SPEC_FILE.read_text())
    operations = {path: item["get"]["operationId"] for path, item in doc["paths"].items()}
    expected = {path: op for path, (op, _query, _model) in PUBLIC_READS.items()}
    assert operations == {**expected, PRICES_PATH: "get_prices"}
    assert doc["paths"][PRICES_PATH]["get"]["security"] == [{"sigv4": []}]


def test_the_signing_hook_ships_inside_the_package() -> None:
    assert (SDK / "stratus_catalog_client" / "signing.py").read_text() == (
        SDK / "catalog" / "signing.py"
    ).read_text()
