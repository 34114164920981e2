"""The shop's Lambda bundle: catalog handlers and the generated catalog client (with its
SigV4 hook) import from the bundle plus only what the Lambda runtime provides."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stratus.infra.app import PROJECT_ROOT
from stratus.infra.shared.bundling import BundleError, BundleSpec, build_bundle
from stratus.shop.system import BUNDLE
from tests.infra.test_bundling import LAMBDA_RUNTIME_PROVIDES


@pytest.fixture(scope="module")
def bundle() -> Path:
    return build_bundle(PROJECT_ROOT, BUNDLE)


def test_the_catalog_client_ships_at_the_bundle_root(bundle: Path) -> None:
    assert (bundle / "stratus_catalog_client" / "signing.py").is_file()
    assert not list(bundle.rglob("__pycache__"))


def test_handlers_and_the_signed_client_import_with_only_the_runtime(
    bundle: Path, tmp_path: Path
) -> None:
    runtime = tmp_path / "lambda-runtime"
    runtime.mkdir()
    # boto3's closure in the runtime includes six (python-dateutil imports it); the to-do
    # bundle ships its own copy for the DAX client, so its list leaves it out.
    for module in (*LAMBDA_RUNTIME_PROVIDES, "six"):
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            (runtime / module).symlink_to(origin.parent)
        else:  # a single-module distribution (six.py)
            (runtime / origin.name).symlink_to(origin)
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "import stratus.shop.catalog.handlers.api, stratus.shop.catalog.handlers.seed\n"
        "import stratus.shop.payments.handler, stratus.shop.notifications.handler\n"
        "from stratus_catalog_client.api.default import get_prices\n"
        "from stratus_catalog_client.signing import SigV4\n"
        "import httpx, attrs\n"
        "assert all(m.__file__.startswith(sys.argv[1]) for m in (httpx, attrs))\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code, str(bundle), str(runtime)],
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_missing_extra_package_is_named(tmp_path: Path) -> None:
    (tmp_path / "src" / "stratus" / "runtime").mkdir(parents=True)
    spec = BundleSpec(name="x", packages=("runtime",), extra_packages=("sdk/nope_client",))
    with pytest.raises(BundleError, match="nope_client"):
        build_bundle(tmp_path, spec)
