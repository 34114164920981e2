"""`stratus new-service NAME`: scaffold a shop service that works and passes its tests as is.

It writes the service's code (`src/stratus/shop/NAME/`: domain, store, Powertools API,
handler), its stack on `ServiceTemplate` (`src/stratus/infra/shop/NAME.py`: table, function
behind `live` with CodeDeploy, Cognito routes, `<Name>ApiUrl`), its unit and infra tests,
registers it in `SERVICES` (`src/stratus/shop/system.py`, so `make up` provisions it) and
adds a README line. Nothing is overwritten: an existing service name is refused.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

import typer

from stratus.infra.shared.bundling import PROJECT_ROOT

NAME_RE = re.compile(r"^[a-z][a-z0-9]{1,19}$")
RESERVED = frozenset({"platform", "shared", "stage", "system"})
README_MARKER = "<!-- new-service: scaffolded services are listed above this line -->"
_SERVICES_RE = re.compile(r"^SERVICES: tuple\[str, \.\.\.\] = \((?P<items>[^)]*)\)$", re.M)


class ScaffoldError(ValueError):
    """The name is unusable or the project is not one `new-service` can extend."""


@dataclass(frozen=True)
class Scaffold:
    root: Path
    name: str

    @property
    def files(self) -> dict[str, str]:
        """Target path (relative to root) -> template file name."""
        pkg = f"src/stratus/shop/{self.name}"
        return {
            f"{pkg}/__init__.py": "runtime_init.py.tmpl",
            f"{pkg}/domain.py": "domain.py.tmpl",
            f"{pkg}/store.py": "store.py.tmpl",
            f"{pkg}/api.py": "api.py.tmpl",
            f"{pkg}/config.py": "config.py.tmpl",
            f"{pkg}/handlers/__init__.py": "handlers_init.py.tmpl",
            f"{pkg}/handlers/api.py": "handler.py.tmpl",
            f"src/stratus/infra/shop/{self.name}.py": "stack.py.tmpl",
            f"tests/unit/shop/{self.name}/test_{self.name}_api.py": "test_unit.py.tmpl",
            f"tests/infra/test_shop_{self.name}.py": "test_infra.py.tmpl",
        }


def check_name(root: Path, name: str) -> None:
    if not NAME_RE.match(name) or name in RESERVED:
        raise ScaffoldError(
            f"service name {name!r}: use 2-20 lower-case letters and digits, starting with a "
            f"letter, not one of {', '.join(sorted(RESERVED))}"
        )
    if (root / "src" / "stratus" / "shop" / name).exists():
        raise ScaffoldError(f"service {name!r} exists already (src/stratus/shop/{name})")


def register(system_py: Path, name: str) -> None:
    """Append `name` to the shop's SERVICES tuple."""
    text = system_py.read_text()
    found = _SERVICES_RE.search(text)
    if found is None:
        raise ScaffoldError(f"no `SERVICES: tuple[str, ...] = (...)` line in {system_py}")
    items = [i.strip().strip("\"'") for i in found["items"].split(",") if i.strip()]
    listed = "".join(f'    "{i}",\n' for i in [*items, name])
    line = f"SERVICES: tuple[str, ...] = (\n{listed})"
    system_py.write_text(text[: found.start()] + line + text[found.end() :])


def add_readme_line(readme: Path, name: str) -> None:
    text = readme.read_text()
    entry = (
        f"- **{name}** (`Shop{name.capitalize()}-<stage>`, output "
        f"`{name.capitalize()}ApiUrl`): scaffolded by `stratus new-service {name}`; "
        f"`POST /{name}/items`, `GET /{name}/items/{{id}}` (Cognito ID token).\n"
    )
    if README_MARKER in text:
        text = text.replace(README_MARKER, entry + README_MARKER, 1)
    else:
        text = text.rstrip("\n") + "\n\n" + entry
    readme.write_text(text)


def scaffold(root: Path, name: str) -> list[Path]:
    """Write the service into the project at `root`; the paths written, in order."""
    check_name(root, name)
    system_py = root / "src" / "stratus" / "shop" / "system.py"
    if not system_py.is_file():
        raise ScaffoldError(f"{root} is not a stratus checkout (no {system_py})")
    plan = Scaffold(root, name)
    values = {"name": name, "Name": name.capitalize()}
    templates = resources.files("stratus.cli.scaffold")
    written: list[Path] = []
    for target, template in plan.files.items():
        path = root / target
        if path.exists():
            raise ScaffoldError(f"{target} exists already")
        source = templates.joinpath(template).read_text()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source).substitute(values))
        written.append(path)
    register(system_py, name)
    add_readme_line(root / "README.md", name)
    _format(written)
    return written


def _format(paths: list[Path]) -> None:
    """ruff format, when this environment has it (the code is valid either way)."""
    subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--quiet", *map(str, paths)],
        capture_output=True, check=False, timeout=60,
    )  # fmt: skip


def new_service(
    name: str = typer.Argument(..., help="The service's name: lower-case letters and digits."),
    root: Path = typer.Option(PROJECT_ROOT, "--root", help="The stratus checkout to extend."),
) -> None:
    """Scaffold a shop service on the service template (code, stack, tests, README line)."""
    try:
        written = scaffold(root.resolve(), name)
    except ScaffoldError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in written:
        typer.echo(f"wrote {path.relative_to(root.resolve())}")
    typer.echo(f"registered {name!r} in src/stratus/shop/system.py; run `make test` and `make up`")
