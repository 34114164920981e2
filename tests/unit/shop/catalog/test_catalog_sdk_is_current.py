"""The catalog SDK's committed document describes the routes the catalog stack declares and
the package ships the SigV4 hook (that the package is what the document generates is
checked for every service by tests/unit/shop/test_service_sdks_are_current.py).

If this fails: run `sdk/service_sdk.py catalog --export FILE` after an API change (the
integration test compares the running cloud's export with the document) and commit sdk/.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from stratus.infra.shop.catalog import PRICES_PATH, PUBLIC_READS

ROOT = Path(__file__).resolve().parents[4]
SDK = ROOT / "sdk"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("service_sdk", SDK / "service_sdk.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.SERVICES["catalog"]


def test_the_document_has_every_declared_route_with_its_operation() -> None:
    doc = json.loads(_generator().spec_file.read_text())
    operations = {path: item["get"]["operationId"] for path, item in doc["paths"].items()}
    expected = {path: op for path, (op, _query, _model) in PUBLIC_READS.items()}
    assert operations == {**expected, PRICES_PATH: "get_prices"}
    assert doc["paths"][PRICES_PATH]["get"]["security"] == [{"sigv4": []}]


def test_the_signing_hook_ships_inside_the_package() -> None:
    assert (SDK / "stratus_catalog_client" / "signing.py").read_text() == (
        SDK / "catalog" / "signing.py"
    ).read_text()
