"""Build Lambda bundles from a `BundleSpec` without Docker.

The CDK's own bundling runs pip inside a Docker image; this machine (and CI) has no Docker.
pip can already install wheels for another platform (`--platform/--implementation/
--python-version --only-binary=:all:`), so this module drives it directly. Each system
declares its bundles (name, our source packages, its own pinned requirements file):

1. the bundle's third-party packages (e.g. `requirements/lambda-<system>.txt`) are installed
   `--no-deps` (the file pins the whole closure) into `build/lambda/deps-<bundle>-<hash>/`,
   keyed per bundle by the file's hash, so a repeat synth never calls pip;
2. `build/lambda/<bundle>/` is rebuilt from that cache (hard links where possible) plus fresh
   copies of `stratus/__init__.py` and the named source packages (a system's `system.py`
   manifest never ships). A bundle without a requirements file ships our sources only.
   It is rebuilt only when its inputs changed (their hash is kept beside it, in
   `build/lambda/.<bundle>.inputs`): a synth running at the same time (parallel tests, two
   stages) may be reading the directory, and replacing it under that synth fails it.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# The checkout: src/stratus/infra/shared/bundling.py -> four levels up.
PROJECT_ROOT = Path(__file__).resolve().parents[4]
# The Lambda functions run on x86_64 (see the stack); the wheels must match.
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.11"
# Published on PyPI as an sdist only: `pip wheel` it before the cross-platform install.
SDIST_ONLY = frozenset({"amazon-dax-client"})
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")
_BYTECODE = frozenset({".pyc", ".pyo"})
# A system package's manifest (how the project builds and serves it) is not run-time code.
MANIFEST = "system.py"


@dataclass(frozen=True)
class BundleSpec:
    """One Lambda bundle: `build/lambda/<name>/`."""

    name: str
    # Our source packages under src/stratus (e.g. ("runtime", "<system>")).
    packages: tuple[str, ...]
    # Pinned requirements file, relative to the project root; None ships our sources only.
    requirements: str | None = None
    # Further top-level packages of this checkout, relative to its root, shipped at the
    # bundle's root (e.g. a generated client SDK: "sdk/<name>_client").
    extra_packages: tuple[str, ...] = ()


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
    """Hash of the pinned closure and the target platform: a new pin means a new tree."""
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


def ensure_deps(project_root: Path, spec: BundleSpec) -> Path | None:
    """The cached third-party tree of `spec`'s requirements, built once (None: it has none)."""
    if spec.requirements is None:
        return None
    requirements = project_root / spec.requirements
    if not requirements.is_file():
        raise BundleError(f"missing {requirements} (requirements of bundle {spec.name!r})")
    build = project_root / "build" / "lambda"
    deps = build / f"deps-{spec.name}-{_deps_key(requirements)}"
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
        for stale in build.glob(f"deps-{spec.name}-*"):
            if stale != deps:
                shutil.rmtree(stale, ignore_errors=True)
    return deps


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _ignore_manifest(package_root: Path) -> Callable[[str, list[str]], set[str]]:
    def ignore(directory: str, names: list[str]) -> set[str]:
        dropped = set(_IGNORE(directory, names))
        if Path(directory) == package_root and MANIFEST in names:
            dropped.add(MANIFEST)
        return dropped

    return ignore


def _inputs_key(deps: Path | None, sources: list[Path]) -> str:
    """Hash of what goes into a bundle: the dependency tree's (content-keyed) path and every
    source file's path and bytes (bytecode left out, as the copy leaves it out)."""
    digest = hashlib.sha256(str(deps).encode() + b"\0")
    for source in sources:
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in _BYTECODE:
                digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_bundle(project_root: Path, spec: BundleSpec) -> Path:
    """Build `build/lambda/<spec.name>/` (our packages + its pinned wheels); return its path."""
    project_root = project_root.resolve()
    src = project_root / "src" / "stratus"
    for package in spec.packages:
        if not (src / package).is_dir():
            raise BundleError(f"missing source package {src / package}")
    for extra in spec.extra_packages:
        if not (project_root / extra).is_dir():
            raise BundleError(f"missing package {project_root / extra}")
    deps = ensure_deps(project_root, spec)
    name = spec.name
    build = project_root / "build" / "lambda"
    bundle = build / name
    sources = [src / "__init__.py", *(src / p for p in spec.packages)]
    key = _inputs_key(deps, sources + [project_root / e for e in spec.extra_packages])
    stamp = build / f".{name}.inputs"
    with _locked(build):
        if bundle.is_dir() and stamp.is_file() and stamp.read_text() == key:
            _log(f"bundle unchanged: {bundle}")
            return bundle
        stamp.unlink(missing_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{name}-tmp-", dir=build))
        try:
            if deps is not None:
                shutil.copytree(deps, staging, dirs_exist_ok=True, copy_function=_link_or_copy)
            (staging / "stratus").mkdir()
            shutil.copy2(src / "__init__.py", staging / "stratus" / "__init__.py")
            for package in spec.packages:
                shutil.copytree(
                    src / package,
                    staging / "stratus" / package,
                    ignore=_ignore_manifest(src / package),
                )
            for extra in spec.extra_packages:
                shutil.copytree(project_root / extra, staging / Path(extra).name, ignore=_IGNORE)
            shutil.rmtree(bundle, ignore_errors=True)
            staging.rename(bundle)
            stamp.write_text(key)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    _log(f"bundle ready: {bundle}")
    return bundle
