"""Every committed service SDK (sdk/stratus_<service>_client) is exactly what its committed
export document (sdk/<service>/openapi.json) generates, and carries the version derived
from that document.

If this fails: run `sdk/service_sdk.py SERVICE` (or with `--export FILE` after an API
change; the integration tests compare the running cloud's export with the document) and
commit sdk/.
"""

from __future__ import annotations

import filecmp
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SDK = ROOT / "sdk"
_spec = importlib.util.spec_from_file_location("service_sdk", SDK / "service_sdk.py")
assert _spec is not None and _spec.loader is not None
service_sdk: Any = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = service_sdk  # dataclasses look their module up there
_spec.loader.exec_module(service_sdk)


def _differences(cmp: filecmp.dircmp[str], prefix: str = "") -> list[str]:
    out = [f"{prefix}{n} (only in one)" for n in cmp.left_only + cmp.right_only]
    out += [f"{prefix}{n}" for n in cmp.common_files if not filecmp.cmp(
        Path(cmp.left) / n, Path(cmp.right) / n, shallow=False
    )]  # fmt: skip
    for name, sub in cmp.subdirs.items():
        if name != "__pycache__":
            out += _differences(sub, f"{prefix}{name}/")
    return out


@pytest.mark.parametrize("name", sorted(service_sdk.SERVICES))
def test_committed_sdk_matches_a_fresh_generation(name: str, tmp_path: Path) -> None:
    service = service_sdk.SERVICES[name]
    fresh = service.generate(json.loads(service.spec_file.read_text()), tmp_path)
    cmp = filecmp.dircmp(SDK / service.package, fresh, ignore=["__pycache__"])
    assert _differences(cmp) == [], f"the {name} SDK is stale: run sdk/service_sdk.py {name}"


@pytest.mark.parametrize("name", sorted(service_sdk.SERVICES))
def test_the_package_version_is_the_api_version_plus_the_document_hash(name: str) -> None:
    service = service_sdk.SERVICES[name]
    doc = json.loads(service.spec_file.read_text())
    init = (SDK / service.package / "__init__.py").read_text()
    (version,) = re.findall(r'__version__ = "([^"]+)"', init)
    assert version == service_sdk.package_version(service, doc)
    assert re.fullmatch(rf"{re.escape(doc['info']['version'])}\+[0-9a-f]{{12}}", version)


def test_a_changed_document_changes_the_version_without_a_bump() -> None:
    service = service_sdk.SERVICES["orders"]
    doc = json.loads(service.spec_file.read_text())
    changed = json.loads(json.dumps(doc))
    changed["paths"]["/orders"]["post"]["operationId"] = "renamed"
    assert service_sdk.package_version(service, changed) != service_sdk.package_version(
        service, doc
    )


def test_documents_are_stage_neutral() -> None:
    for service in service_sdk.SERVICES.values():
        text = service.spec_file.read_text()
        assert "local" not in text.lower().replace("localhost", ""), service.name
        assert '"servers"' not in text
