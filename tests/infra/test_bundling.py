"""The Docker-free Lambda bundles: right contents, right platform, cached third-party tree."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from stratus.infra.app import PROJECT_ROOT
from stratus.infra.shared.bundling import (
    BundleError,
    BundleSpec,
    build_bundle,
    ensure_deps,
    requirement_pins,
)
from stratus.probes.system import BUNDLE as PROBES_BUNDLE
from stratus.todo.system import BUNDLE as TODO_BUNDLE


@pytest.fixture(scope="module")
def bundle() -> Path:
    return build_bundle(PROJECT_ROOT, TODO_BUNDLE)


def test_bundle_holds_our_sources_without_bytecode(bundle: Path) -> None:
    assert (bundle / "stratus" / "__init__.py").is_file()
    assert (bundle / "stratus" / "runtime" / "config.py").is_file()
    assert (bundle / "stratus" / "todo" / "config.py").is_file()
    assert not list(bundle.rglob("__pycache__"))
    # infra, the local cloud, other systems and the system's manifest never ship.
    for absent in ("infra", "local", "probes", "systems.py", "todo/system.py"):
        assert not (bundle / "stratus" / absent).exists(), absent


def test_bundle_has_x86_64_cp311_wheels_and_leaves_boto_to_the_runtime(bundle: Path) -> None:
    (core,) = (bundle / "pydantic_core").glob("_pydantic_core.*.so")
    assert "cpython-311-x86_64-linux-gnu" in core.name
    for package in ("aws_lambda_powertools", "pydantic", "amazondax", "antlr4"):
        assert (bundle / package).is_dir(), package
    for provided in ("boto3", "botocore", "s3transfer"):
        assert not (bundle / provided).exists(), provided


def test_rebuild_with_cached_dependencies_takes_under_a_second(bundle: Path) -> None:
    started = time.perf_counter()
    again = build_bundle(PROJECT_ROOT, TODO_BUNDLE)
    assert again == bundle
    assert time.perf_counter() - started < 1.0


def test_each_bundle_has_its_own_requirements_and_dependency_cache(bundle: Path) -> None:
    assert TODO_BUNDLE.requirements == "requirements/lambda-todo.txt"
    deps = ensure_deps(PROJECT_ROOT, TODO_BUNDLE)
    assert deps is not None and deps.name.startswith("deps-todo-")
    assert PROBES_BUNDLE.requirements is None
    assert ensure_deps(PROJECT_ROOT, PROBES_BUNDLE) is None


def test_a_bundle_without_requirements_ships_only_our_sources() -> None:
    probes = build_bundle(PROJECT_ROOT, PROBES_BUNDLE)
    assert sorted(p.name for p in probes.iterdir()) == ["stratus"]
    assert (probes / "stratus" / "probes" / "handlers.py").is_file()
    assert not (probes / "stratus" / "probes" / "system.py").exists()


def test_a_missing_requirements_file_names_the_bundle(tmp_path: Path) -> None:
    spec = BundleSpec("ghost", ("runtime",), requirements="requirements/lambda-ghost.txt")
    with pytest.raises(BundleError, match="ghost"):
        ensure_deps(tmp_path, spec)


def test_every_requirement_must_be_pinned(tmp_path: Path) -> None:
    req = tmp_path / "lambda.txt"
    req.write_text("# comment\nSix==1.17.0  # trailing\n\npydantic>=2\n")
    with pytest.raises(BundleError, match="pinned"):
        requirement_pins(req)
    req.write_text("Typing_Extensions==4.16.0\n")
    assert requirement_pins(req) == [("typing-extensions", "4.16.0")]


# What the AWS Lambda Python runtime provides besides the bundle (module names).
LAMBDA_RUNTIME_PROVIDES = ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "jmespath")


def test_handlers_import_from_the_bundle_plus_only_what_lambda_provides(
    bundle: Path, tmp_path: Path
) -> None:
    import importlib.util
    import os
    import subprocess
    import sys

    runtime = tmp_path / "lambda-runtime"
    runtime.mkdir()
    for module in LAMBDA_RUNTIME_PROVIDES:
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        (runtime / module).symlink_to(Path(spec.origin).parent)
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "import stratus.todo.handlers.todos, stratus.todo.handlers.files\n"
        "import amazondax, aws_xray_sdk, pydantic\n"
        "assert all(m.__file__.startswith(sys.argv[1]) for m in (amazondax, pydantic))\n"
    )
    # -S: no site-packages, so nothing from the venv leaks in.
    result = subprocess.run(
        [sys.executable, "-S", "-c", code, str(bundle), str(runtime)],
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


def test_an_unchanged_bundle_is_left_in_place_and_a_changed_one_rebuilt(tmp_path: Path) -> None:
    """A synth reading the bundle while another one runs must not see it replaced."""
    package = tmp_path / "src" / "stratus" / "runtime"
    package.mkdir(parents=True)
    (tmp_path / "src" / "stratus" / "__init__.py").write_text("")
    (package / "config.py").write_text("A = 1\n")
    spec = BundleSpec("solo", ("runtime",))
    first = build_bundle(tmp_path, spec)
    inode = first.stat().st_ino
    assert build_bundle(tmp_path, spec).stat().st_ino == inode  # same directory, untouched
    (package / "config.py").write_text("A = 2\n")
    rebuilt = build_bundle(tmp_path, spec)
    assert rebuilt.stat().st_ino != inode
    assert (rebuilt / "stratus" / "runtime" / "config.py").read_text() == "A = 2\n"
