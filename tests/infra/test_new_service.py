"""`stratus new-service NAME` on a copy of this checkout: the scaffolded service is
registered, synthesizes (cdk-nag clean) with the shop, and its own generated unit and infra
tests pass untouched; bad names and existing services are refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stratus.cli.new_service import README_MARKER, ScaffoldError, register, scaffold
from stratus.infra.app import PROJECT_ROOT

COPIED = ("src", "sdk", "requirements", "cdk.json", "pyproject.toml", "README.md")


def _checkout(tmp: Path) -> Path:
    root = tmp / "checkout"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, root / name)
    for name in ("cdk.context.json",):
        if (PROJECT_ROOT / name).exists():
            shutil.copy2(PROJECT_ROOT / name, root / name)
    tests = root / "tests"
    tests.mkdir()
    for name in ("__init__.py", "conftest.py"):
        if (PROJECT_ROOT / "tests" / name).exists():
            shutil.copy2(PROJECT_ROOT / "tests" / name, tests / name)
    shutil.copytree(PROJECT_ROOT / "tests" / "infra", tests / "infra", ignore=ignore)
    # The pinned third-party trees are keyed by their requirements' hash: reuse them.
    cache = PROJECT_ROOT / "build" / "lambda"
    for deps in cache.glob("deps-*"):
        shutil.copytree(deps, root / "build" / "lambda" / deps.name, copy_function=os.link)
    if (cache / "wheels").is_dir():
        shutil.copytree(cache / "wheels", root / "build" / "lambda" / "wheels")
    return root


def test_a_scaffolded_service_passes_its_own_tests_untouched(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    written = scaffold(root, "reviews")
    assert root / "src/stratus/infra/shop/reviews.py" in written
    system = (root / "src/stratus/shop/system.py").read_text()
    assert '    "reviews",\n)' in system
    readme = (root / "README.md").read_text()
    assert readme.index("stratus new-service reviews") < readme.index(README_MARKER)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(root / p) for p in ("src", "sdk", ".")),
        "CDK_VALIDATION": "false",
    }
    tests = ["tests/unit/shop/reviews", "tests/infra/test_shop_reviews.py"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout and "failed" not in result.stdout
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *map(str, written)],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout[-3000:]
    cache = PROJECT_ROOT / ".mypy_cache"
    if cache.is_dir():  # third-party stubs are the same files: reuse their cached analysis
        shutil.copytree(cache, tmp_path / "mypy-cache")
    types = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"),
         *map(str, written)],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert types.returncode == 0, types.stdout[-3000:]


@pytest.mark.parametrize("name", ["A", "x", "bad-name", "platform", "catalog", "9lives"])
def test_bad_or_taken_names_are_refused(tmp_path: Path, name: str) -> None:
    shop = tmp_path / "src" / "stratus" / "shop"
    (shop / "catalog").mkdir(parents=True)
    (shop / "system.py").write_text('SERVICES: tuple[str, ...] = ("catalog",)\n')
    with pytest.raises(ScaffoldError):
        scaffold(tmp_path, name)
    assert sorted(p.name for p in shop.iterdir()) == ["catalog", "system.py"]


def test_register_appends_to_the_services_tuple(tmp_path: Path) -> None:
    system = tmp_path / "system.py"
    system.write_text('X = 1\nSERVICES: tuple[str, ...] = ("catalog", "payments")\nY = 2\n')
    register(system, "reviews")
    wrapped = 'SERVICES: tuple[str, ...] = (\n    "catalog",\n    "payments",\n    "reviews",\n)'
    assert system.read_text() == f"X = 1\n{wrapped}\nY = 2\n"
    # the wrapped form (one name a line, as ruff formats it) takes the next one too
    register(system, "ratings")
    assert system.read_text() == "X = 1\n" + wrapped.replace(
        '"reviews",\n', '"reviews",\n    "ratings",\n'
    ) + "\nY = 2\n"
