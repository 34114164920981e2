"""What the local cloud serves: a project, i.e. a CDK app plus what it offers beside its stacks.

The local cloud names no system. It reads everything system-specific from a `Project`:

- a plain CDK app (`stratus up --app DIR`, or any directory whose cdk.json has no `stratus`
  key) is its `app` command, its files as synth inputs, and nothing else;
- a project that declares systems names a factory in its cdk.json,
  `"stratus": {"project": "package.module:function"}`; the function takes
  `(root, systems)` (the names given with `--system`, empty for all) and returns the
  `Project` with its web apps and OpenAPI documents. The CDK CLI ignores that key.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core.settings import LocalSettings

# Stack outputs as `outputs.json` holds them: stack name -> output key -> value.
Outputs = dict[str, dict[str, Any]]
CDK_JSON = "cdk.json"
PROJECT_KEY = "stratus"
# Directories of a plain CDK app that never shape its templates (dot directories too).
_SKIP_DIRS = frozenset({"cdk.out", "node_modules", "__pycache__", "venv"})


class ProjectError(RuntimeError):
    """The directory holds no usable project (no cdk.json, no `app`, unknown system...)."""


@dataclass(frozen=True)
class WebApp:
    """Static files served on the gateway's HTTPS origin."""

    path: str  # e.g. "/apps/<name>": the files are served under <path>/
    directory: Path
    title: str = ""
    # Made from the outputs when the cloud starts; served as <path>/config.json.
    config: Callable[[Outputs, LocalSettings], dict[str, Any]] | None = None


def _no_web_apps(outputs: Outputs, settings: LocalSettings) -> list[WebApp]:
    return []


def _no_documents(outputs: Outputs) -> dict[str, dict[str, Any]]:
    return {}


@dataclass
class Project:
    root: Path  # the directory holding cdk.json; the app command runs here
    name: str
    synth_inputs: tuple[Path, ...]  # files/directories the fingerprint hashes
    app_command: str  # the shell command that writes the cloud assembly (cdk.json's "app")
    systems: tuple[str, ...] = ()  # the systems the project offers (empty: a plain CDK app)
    # Extra CDK context the project's own selection implies (e.g. which systems to build).
    context: dict[str, str] = field(default_factory=dict)
    web_apps: Callable[[Outputs, LocalSettings], list[WebApp]] = _no_web_apps
    documents: Callable[[Outputs], dict[str, dict[str, Any]]] = _no_documents  # OpenAPI by name


def read_cdk_json(root: Path) -> dict[str, Any]:
    path = root / CDK_JSON
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ProjectError(f"no {CDK_JSON} in {root}: name the directory of a CDK app") from None
    except (OSError, ValueError) as exc:
        raise ProjectError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ProjectError(f"{path} is not a JSON object")
    return data


def app_files(root: Path) -> tuple[Path, ...]:
    """Every file of a plain CDK app that may shape its templates, in a stable order."""
    found: list[Path] = []

    def walk(directory: Path) -> None:
        for entry in sorted(directory.iterdir()):
            if entry.is_dir():
                if not entry.name.startswith(".") and entry.name not in _SKIP_DIRS:
                    walk(entry)
            elif entry.is_file() and not entry.name.endswith((".pyc", ".pyo")):
                found.append(entry)

    walk(root)
    return tuple(found)


def cdk_app_project(root: Path, cdk_json: Mapping[str, Any] | None = None) -> Project:
    """A plain CDK app in any language: its `app` command, its files as synth inputs."""
    root = root.resolve()
    cdk = dict(cdk_json) if cdk_json is not None else read_cdk_json(root)
    app = cdk.get("app")
    if isinstance(app, list):  # the CDK CLI accepts an argv list too
        app = " ".join(str(part) for part in app)
    if not isinstance(app, str) or not app.strip():
        raise ProjectError(f'{root / CDK_JSON} has no "app" command')
    return Project(root=root, name=root.name, synth_inputs=app_files(root), app_command=app)


def load_project(root: Path, systems: Sequence[str] = ()) -> Project:
    """The project in `root`: its own factory if cdk.json names one, else a plain CDK app."""
    root = root.resolve()
    cdk = read_cdk_json(root)
    declared = cdk.get(PROJECT_KEY)
    factory_name = declared.get("project") if isinstance(declared, dict) else None
    if not factory_name:
        if systems:
            raise ProjectError(
                f"--system {systems[0]}: the CDK app in {root} declares no systems "
                "(serve it whole, without --system)"
            )
        return cdk_app_project(root, cdk)
    module_name, _, attr = str(factory_name).partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr or "project")
    except (ImportError, AttributeError) as exc:
        raise ProjectError(
            f"{root / CDK_JSON}: cannot load project {factory_name!r}: {exc}"
        ) from exc
    project = factory(root, tuple(systems))
    if not isinstance(project, Project):
        raise ProjectError(f"{factory_name} returned {type(project).__name__}, not a Project")
    return project


def find_output(outputs: Outputs, key: str) -> tuple[str, Any] | None:
    """(stack, value) of the first stack that has output `key`."""
    for stack, values in outputs.items():
        if key in values:
            return stack, values[key]
    return None
