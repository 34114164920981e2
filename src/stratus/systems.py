"""The systems of the stratus project, and the `Project` the local cloud serves for them.

Each system declares itself in its own package (`stratus/<name>/system.py`): its stacks, its
Lambda bundles, its web apps and OpenAPI documents. This module only lists them. Both the CDK
app (`stratus.infra.app`, context `systems`) and `stratus up --system NAME` select from here;
cdk.json points the local cloud at `stratus_project`.

Nothing here imports aws_cdk at module level: the local cloud loads this module too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stratus.infra.shared.bundling import BundleSpec
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.project import Outputs, Project, ProjectError, WebApp

if TYPE_CHECKING:
    from aws_cdk import App

    from stratus.infra.shared.stage import StageConfig

# CDK context key naming the systems to build (a comma list); default: every system.
SYSTEMS_CONTEXT_KEY = "systems"
# The CDK app, run with stratus's interpreter (the local cloud puts its bin dir first on PATH).
APP_COMMAND = "python -m stratus.infra.app"
# What every system's templates and bundles are made of, beside its own packages.
SHARED_INPUTS = (
    "src/stratus/__init__.py",
    "src/stratus/systems.py",
    "src/stratus/infra/__init__.py",
    "src/stratus/infra/app.py",
    "src/stratus/infra/shared",
    "src/stratus/runtime",
    "cdk.json",
    "cdk.context.json",
)


class UnknownSystemError(ProjectError, ValueError):
    """A system name nobody declared."""


def _no_web_apps(outputs: Outputs, settings: LocalSettings) -> list[WebApp]:
    return []


def _no_documents(outputs: Outputs) -> dict[str, dict[str, Any]]:
    return {}


@dataclass(frozen=True)
class System:
    name: str
    title: str
    # Adds the system's stacks to the app. `named`: the `systems` context names it (a system
    # that is off by default, such as a diagnostic one, is built when named).
    build: Callable[[App, StageConfig, bool], None]
    # Our source packages the system is made of (src/stratus/<package>), beside runtime/.
    packages: tuple[str, ...] = ()
    # Infra package (src/stratus/infra/<name>/) and Lambda bundles it builds.
    infra: str | None = None
    bundles: tuple[BundleSpec, ...] = ()
    web_apps: Callable[[Outputs, LocalSettings], list[WebApp]] = _no_web_apps
    documents: Callable[[Outputs], dict[str, dict[str, Any]]] = _no_documents
    extra_inputs: tuple[str, ...] = ()  # e.g. its web app's directory

    def inputs(self) -> tuple[str, ...]:
        """Paths (relative to the project root) whose change re-synthesizes the system."""
        paths = [f"src/stratus/{package}" for package in self.packages]
        if self.infra:
            paths.append(f"src/stratus/infra/{self.infra}")
        paths += [spec.requirements for spec in self.bundles if spec.requirements]
        return (*paths, *self.extra_inputs)


def registry() -> tuple[System, ...]:
    """Every system of the project, in build order."""
    from stratus.blog.system import SYSTEM as BLOG
    from stratus.probes.system import SYSTEM as PROBES
    from stratus.shop.system import SYSTEM as SHOP
    from stratus.todo.system import SYSTEM as TODO
    from stratus.updates.system import SYSTEM as UPDATES

    return (TODO, BLOG, SHOP, UPDATES, PROBES)


def parse_names(value: Any) -> tuple[str, ...]:
    """Context `systems`: a comma list, a JSON list or a list; empty means every system."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise UnknownSystemError(f"context {SYSTEMS_CONTEXT_KEY} must be a list, got {value!r}")
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def select(names: Sequence[str] = ()) -> list[System]:
    """The named systems (in registry order), or every system when none is named."""
    systems = registry()
    if not names:
        return list(systems)
    known = [system.name for system in systems]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UnknownSystemError(
            f"unknown system {', '.join(map(repr, unknown))}; known systems: {', '.join(known)}"
        )
    return [system for system in systems if system.name in names]


def stratus_project(root: Path, names: Sequence[str] = ()) -> Project:
    """The project the local cloud serves for this checkout (cdk.json's `stratus.project`)."""
    root = root.resolve()
    selected = select(names)
    inputs = dict.fromkeys([*SHARED_INPUTS, *(p for s in selected for p in s.inputs())])

    def web_apps(outputs: Outputs, settings: LocalSettings) -> list[WebApp]:
        return [app for system in selected for app in system.web_apps(outputs, settings)]

    def documents(outputs: Outputs) -> dict[str, dict[str, Any]]:
        docs: dict[str, dict[str, Any]] = {}
        for system in selected:
            docs.update(system.documents(outputs))
        return docs

    return Project(
        root=root,
        name="stratus",
        synth_inputs=tuple(root / path for path in inputs),
        app_command=APP_COMMAND,
        systems=tuple(system.name for system in registry()),
        context={SYSTEMS_CONTEXT_KEY: ",".join(names)} if names else {},
        web_apps=web_apps,
        documents=documents,
    )
