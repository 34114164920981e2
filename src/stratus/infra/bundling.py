"""Build the Lambda bundles (to-do, diagnostic probes) without Docker.

The CDK's own bundling runs pip inside a Docker image; this machine (and CI) has no Docker.
pip can already install wheels for another platform (`--platform/--implementation/
--python-version --only-binary=:all:`), so this module drives it directly:

1. third-party packages from `requirements/lambda.txt` are installed `--no-deps` (the file
   pins the whole closure) into `build/lambda/deps-<hash>/`, keyed by the file's hash, so a
   repeat synth never calls pip;
2. `build/lambda/todo/` is rebuilt from that cache (hard links where possible) plus fresh
   copies of `stratus/__init__.py`, `stratus/runtime/` and `stratus/todo/`. Other bundles
   (`build/lambda/probes/`) name their own source packages and may skip third-party wheels.

Packages that only ship an sdist (amazon-dax-client) are first built into a wheel cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# The Lambda functions run on x86_64 (see the stack); the wheels must match.
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.11"
# Published on PyPI as an sdist only: `pip wheel` it before the cross-platform install.
SDIST_ONLY = frozenset({"amazon-dax-client"})
# What of our own source ships: runtime/ is shared, todo/ is the system.
SOURCE_PACKAGES = ("runtime", "todo")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


class BundleError(RuntimeError):
    """The bundle could not be built (pip failed, requirements missing...)."""


def _log(message: str) -> None:
    print(f"[stratus bundling] {message}", file=sys.stderr, flush=True)


def requirement_pins(requirements: Path) -> list[tuple[str, str]]:
    """`name==version` lines of a requirements file, as (normalised name, version)."""
    pins: list[tuple[str, str]] = []
    for raw in requirements.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep:
            raise BundleError(f"{requirements}: every line must be pinned with ==, got {line!r}")
        pins.append((name.strip().lower().replace("_", "-"), version.strip()))
    return pins


def _deps_key(requirements: Path) -> str:
    material = requirements.read_bytes() + f"{PLATFORM}|{PYTHON_VERSION}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise builds across processes (tests and `make synth` may run at once)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BundleError(f"pip failed ({' '.join(args[:2])}...):\n{result.stderr[-4000:]}")


def _install_deps(requirements: Path, wheels: Path, target: Path) -> None:
    pins = requirement_pins(requirements)
    for name, version in pins:
        if name in SDIST_ONLY and not any(wheels.glob(f"{name.replace('-', '_')}-{version}-*.whl")):
            _log(f"building wheel for {name}=={version} (sdist only)")
            _pip("wheel", "--no-deps", "--wheel-dir", str(wheels), f"{name}=={version}")
    _log(f"installing {len(pins)} pinned packages for {PLATFORM} / cp{PYTHON_VERSION}")
    _pip(
        "install", "--no-deps", "--no-compile", "--quiet",
        "--platform", PLATFORM, "--implementation", "cp",
        "--python-version", PYTHON_VERSION, "--only-binary=:all:",
        "--find-links", str(wheels), "--target", str(target),
        "-r", str(requirements),
    )  # fmt: skip
    # Neither pip's console scripts nor its metadata caches are needed at run time.
    shutil.rmtree(target / "bin", ignore_errors=True)


def ensure_deps(project_root: Path) -> Path:
    """Return the cached third-party tree for the current requirements, building it once."""
    requirements = project_root / "requirements" / "lambda.txt"
    if not requirements.is_file():
        raise BundleError(f"missing {requirements}")
    build = project_root / "build" / "lambda"
    deps = build / f"deps-{_deps_key(requirements)}"
    if deps.is_dir():
        return deps
    with _locked(build):
        if deps.is_dir():  # another process built it while we waited
            return deps
        staging = Path(tempfile.mkdtemp(prefix="deps-tmp-", dir=build))
        try:
            _install_deps(requirements, build / "wheels", staging)
            staging.rename(deps)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for stale in build.glob("deps-*"):
            if stale != deps and not stale.name.startswith("deps-tmp-"):
                shutil.rmtree(stale, ignore_errors=True)
    return deps


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def build_lambda_bundle(
    project_root: Path,
    *,
    name: str = "todo",
    packages: tuple[str, ...] = SOURCE_PACKAGES,
    third_party: bool = True,
) -> Path:
    """Build `build/lambda/<name>/` (our `packages` + pinned wheels) and return its path.

    `third_party=False` ships only our sources (e.g. the stdlib-only diagnostic probes).
    """
    project_root = project_root.resolve()
    src = project_root / "src" / "stratus"
    for package in packages:
        if not (src / package).is_dir():
            raise BundleError(f"missing source package {src / package}")
    deps = ensure_deps(project_root) if third_party else None
    build = project_root / "build" / "lambda"
    bundle = build / name
    with _locked(build):
        staging = Path(tempfile.mkdtemp(prefix=f"{name}-tmp-", dir=build))
        try:
            if deps is not None:
                shutil.copytree(deps, staging, dirs_exist_ok=True, copy_function=_link_or_copy)
            (staging / "stratus").mkdir()
            shutil.copy2(src / "__init__.py", staging / "stratus" / "__init__.py")
            for package in packages:
                shutil.copytree(src / package, staging / "stratus" / package, ignore=_IGNORE)
            shutil.rmtree(bundle, ignore_errors=True)
            staging.rename(bundle)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    _log(f"bundle ready: {bundle}")
    return bundle
