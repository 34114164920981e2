"""Typed client SDKs for a REST API stage, generated from its export (GetSdk, `stratus sdk`).

AWS's GetSdk (https://docs.aws.amazon.com/apigateway/latest/api/API_GetSdk.html) offers
javascript, android, objectivec, swift and ruby; locally we generate what our users write:

- **python** (our addition): `openapi-python-client` (pinned in the dev dependencies; it
  already writes the to-do SDK, see sdk/generate.py): attrs models and an httpx `Client` /
  `AuthenticatedClient` with sync and async calls per operation, fully typed.
- **typescript**: `openapi-typescript` 7.13.0 writes the document's types (`paths`,
  `components`) and `openapi-fetch` 0.17.0 is the typed fetch client that reads them
  (`createClient<paths>()`), checked with `typescript` 5.9.3's `tsc`. Chosen because both are
  well kept by the same project (openapi-ts), the generated code is types only (the runtime is
  a 6 kB library the package depends on, not generated code to review), and they run on
  Node 20; `@hey-api/openapi-ts`, the other strong candidate, needs Node >= 22.18 since 0.9x.
  The three are installed, pinned, on first use into `<state dir>/sdk-tools` with
  `npm install --prefix` (about 5 s, 45 MB).
- **javascript**: the TypeScript package compiled by `tsc` (ES modules + .d.ts).

Generators get the stage's OpenAPI 3.0 export, completed where API Gateway's export is not a
valid document or not a useful client: a method without method responses (`"responses": {}`)
gets a `default` response, OPTIONS (CORS preflight, answered by the gateway) is left out,
ANY becomes GET, POST, PUT, PATCH and DELETE, `{proxy+}` becomes `{proxy}`, operations
without an OperationName get AWS's SDK names (`todosIdGet`), and the export's date version
becomes a PEP 440 / semver-friendly one.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SDK_TYPES = ("python", "typescript", "javascript")
ANY_VERBS = ("get", "post", "put", "patch", "delete")  # what a client may send to ANY
TOOLS_DIR = "sdk-tools"  # under the state directory: the npm tools, shared by GetSdk and the CLI
TS_TOOLS = {"openapi-typescript": "7.13.0", "openapi-fetch": "0.17.0", "typescript": "5.9.3"}
NPM_TIMEOUT = 600
GENERATE_TIMEOUT = 180
Log = Callable[[str], None]


class SdkError(RuntimeError):
    """Generation failed (a tool missing or failing); the message says what to do."""


@dataclass(frozen=True)
class Names:
    project: str  # "stratus-local-todo-client" (distribution / npm package)
    package: str  # "stratus_local_todo_client" (Python import name)


def names_for(title: str) -> Names:
    stem = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or "api"
    if stem[0].isdigit():
        stem = f"api_{stem}"
    package = stem if stem.endswith("client") else f"{stem}_client"
    return Names(project=package.replace("_", "-"), package=package)


def base_url(doc: dict[str, Any]) -> str:
    """The first server's URL with its variables at their defaults (no trailing slash)."""
    server = (doc.get("servers") or [{}])[0]
    url = str(server.get("url", ""))
    for name, var in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(var.get("default", "")).strip("/"))
    return url.rstrip("/")


# -- the document generators read ------------------------------------------------------
def sdk_document(export: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(export)
    paths: dict[str, Any] = {}
    for path, item in (doc.get("paths") or {}).items():
        any_method = item.get("x-amazon-apigateway-any-method")
        item = {k: v for k, v in item.items() if k != "options" and not k.startswith("x-")}
        for verb in ANY_VERBS if isinstance(any_method, dict) else ():
            item.setdefault(verb, copy.deepcopy(any_method))
        for verb, op in item.items():
            if not isinstance(op, dict):
                continue
            if not op.get("responses"):
                op["responses"] = {"default": {"description": "The integration's response"}}
            op.setdefault("operationId", aws_operation_name(path, verb))
            for key in [k for k in op if k.startswith("x-amazon-")]:
                del op[key]
        if item:
            paths[path.replace("+}", "}")] = item
    doc["paths"] = paths
    info = doc.setdefault("info", {})
    info["version"] = _release_version(str(info.get("version", "")))
    return doc


def aws_operation_name(path: str, verb: str) -> str:
    """API Gateway's SDK method names: path parts then the verb ("/todos/{id}" GET ->
    "todosIdGet")."""
    words = [w for part in path.split("/") for w in re.split(r"[^A-Za-z0-9]+", part) if w]
    name = "".join(w[:1].upper() + w[1:] for w in [*words, verb.lower()])
    return (name[:1].lower() + name[1:]) or "rootGet"


def _release_version(version: str) -> str:
    """ "2026-03-14T20:20:12Z" -> "2026.3.14" (a date is no PEP 440 / semver version)."""
    date = re.match(r"^(\d{4})-(\d{2})-(\d{2})T", version)
    if date:
        return ".".join(str(int(g)) for g in date.groups())
    return version if re.fullmatch(r"\d+(\.\d+){0,2}", version) else "1.0.0"


# -- Python ----------------------------------------------------------------------------
def generate_python(export: dict[str, Any], out_dir: Path) -> Names:
    """Writes a Python project (pyproject.toml, README.md, <package>/) into out_dir."""
    doc = sdk_document(export)
    names = names_for(str(doc["info"].get("title", "api")))
    with tempfile.TemporaryDirectory(prefix="stratus-sdk-") as tmp:
        work = Path(tmp)
        (work / "spec.json").write_text(json.dumps(doc, indent=2))
        (work / "config.yaml").write_text(
            f"package_name_override: {names.package}\n"
            f"project_name_override: {names.project}\n"
            "post_hooks: []\n"
        )
        built = work / "out"
        _run(
            [sys.executable, "-m", "openapi_python_client", "generate",
             "--path", str(work / "spec.json"), "--config", str(work / "config.yaml"),
             "--meta", "uv", "--output-path", str(built), "--overwrite"],
            "openapi-python-client",
        )  # fmt: skip
        (built / names.package / "stage.py").write_text(
            '"""Where the API stage this client was generated from is served."""\n\n'
            f"DEFAULT_BASE_URL = {json.dumps(base_url(doc))}\n"
        )
        _format_python(built)
        _copy_into(built, out_dir)
    return names


def _format_python(path: Path) -> None:
    """ruff, when this environment has it (the generated code is valid either way)."""
    try:
        import ruff  # noqa: F401
    except ImportError:
        return
    for args in (["check", "--fix-only", "--select", "I,F401,UP"], ["format"]):
        subprocess.run(
            [sys.executable, "-m", "ruff", *args, "--isolated", "--no-cache", "--quiet",
             "--line-length", "100", str(path)],
            capture_output=True, check=False, timeout=GENERATE_TIMEOUT,
        )  # fmt: skip


# -- TypeScript / JavaScript ----------------------------------------------------------
def ensure_ts_tools(cache_dir: Path, log: Log, stream: bool = False) -> Path:
    """The pinned npm tools in cache_dir/node_modules, installed on first use."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp = cache_dir / "tools.json"
    with _locked(cache_dir / ".lock"):
        bins = cache_dir / "node_modules" / ".bin"
        if _read_json(stamp) == TS_TOOLS and (bins / "openapi-typescript").exists():
            return cache_dir / "node_modules"
        npm = shutil.which("npm")
        if npm is None:
            raise SdkError(
                "npm is not installed: the TypeScript SDK is generated with openapi-typescript "
                "from npm. Install Node.js 20+ with npm (https://nodejs.org) and run again."
            )
        pins = [f"{name}@{version}" for name, version in TS_TOOLS.items()]
        log(f"installing {', '.join(pins)} into {cache_dir} (first use, about 5 s)")
        (cache_dir / "package.json").write_text('{"private": true}\n')
        args = [npm, "install", "--prefix", str(cache_dir), "--no-audit", "--no-fund",
                "--save-exact", *pins]  # fmt: skip
        try:
            done = subprocess.run(
                args,
                cwd=cache_dir,
                stdout=None if stream else subprocess.PIPE,
                stderr=None if stream else subprocess.STDOUT,
                text=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SdkError(f"npm install did not finish in {NPM_TIMEOUT} s") from exc
        if done.returncode != 0:
            raise SdkError(f"npm install failed ({done.returncode}): {_tail(done.stdout)}")
        stamp.write_text(json.dumps(TS_TOOLS))
    return cache_dir / "node_modules"


def generate_typescript(
    export: dict[str, Any],
    out_dir: Path,
    cache_dir: Path,
    *,
    javascript: bool = False,
    check: bool = True,
    log: Log = lambda _: None,
    stream: bool = False,
) -> Names:
    """Writes an npm package (package.json, tsconfig.json, src/, and dist/ for javascript)."""
    doc = sdk_document(export)
    names = names_for(str(doc["info"].get("title", "api")))
    modules = ensure_ts_tools(cache_dir, log, stream)
    (cache_dir / "work").mkdir(exist_ok=True)
    # Under cache_dir, so node's resolution finds the tools' node_modules when tsc runs.
    with tempfile.TemporaryDirectory(dir=cache_dir / "work") as tmp:
        work = Path(tmp)
        (work / "src").mkdir()
        (work / "spec.json").write_text(json.dumps(doc, indent=2))
        log("generating types with openapi-typescript")
        _run(
            ["node", str(modules / "openapi-typescript" / "bin" / "cli.js"),
             str(work / "spec.json"), "--output", str(work / "src" / "schema.ts")],
            "openapi-typescript",
        )  # fmt: skip
        (work / "spec.json").unlink()
        _write_ts_package(work, doc, names)
        tsc = ["node", str(modules / "typescript" / "bin" / "tsc"), "-p", str(work)]
        if javascript:
            log("compiling to JavaScript with tsc")
            _run([*tsc, "--outDir", str(work / "dist")], "tsc")
        elif check:
            log("type-checking with tsc")
            _run([*tsc, "--noEmit"], "tsc")
        _copy_into(work, out_dir)
    return names


def _write_ts_package(work: Path, doc: dict[str, Any], names: Names) -> None:
    title = str(doc["info"].get("title", "api"))
    package = {
        "name": names.project,
        "version": doc["info"]["version"],
        "description": f"Typed client for the {title} API, generated by stratus",
        "type": "module",
        "main": "dist/index.js",
        "types": "dist/index.d.ts",
        "scripts": {"build": "tsc -p ."},
        "dependencies": {"openapi-fetch": TS_TOOLS["openapi-fetch"]},
        "devDependencies": {"typescript": TS_TOOLS["typescript"]},
    }
    (work / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    tsconfig = {
        "compilerOptions": {
            "target": "ES2022",
            "module": "NodeNext",
            "moduleResolution": "NodeNext",
            "lib": ["ES2022", "DOM"],
            "strict": True,
            "declaration": True,
            "skipLibCheck": True,
            "rootDir": "src",
            "outDir": "dist",
        },
        "include": ["src"],
    }
    (work / "tsconfig.json").write_text(json.dumps(tsconfig, indent=2) + "\n")
    (work / "src" / "index.ts").write_text(
        f"/** Typed client for the {json.dumps(title)[1:-1]} API, generated by stratus from "
        "API Gateway's export. */\n"
        'import createClient from "openapi-fetch";\n'
        'import type { ClientOptions } from "openapi-fetch";\n'
        'import type { components, operations, paths } from "./schema.js";\n\n'
        "export type { components, operations, paths };\n\n"
        "/** The stage this client was generated from. */\n"
        f"export const defaultBaseUrl = {json.dumps(base_url(doc))};\n\n"
        '/** A typed client: `client.GET("/todos", { headers: { Authorization } })`. */\n'
        "export function createApiClient(options: ClientOptions = {}) {\n"
        "  return createClient<paths>({ baseUrl: defaultBaseUrl, ...options });\n"
        "}\n\n"
        "export default createApiClient;\n"
    )
    (work / "README.md").write_text(
        f"# {names.project}\n\nTyped client for the {title} API (openapi-typescript "
        f"{TS_TOOLS['openapi-typescript']} types + openapi-fetch {TS_TOOLS['openapi-fetch']}).\n\n"
        "```ts\nimport { createApiClient } from "
        f'"{names.project}";\n\nconst api = createApiClient();\n'
        'const { data, error } = await api.GET("/todos", { headers: { Authorization: token } });\n'
        "```\n"
    )


# -- zip for GetSdk --------------------------------------------------------------------
def sdk_zip(export: dict[str, Any], sdk_type: str, cache_dir: Path) -> bytes:
    """GetSdk's body: the generated project in a zip, under one folder named after it."""
    with tempfile.TemporaryDirectory(prefix="stratus-sdk-zip-") as tmp:
        out = Path(tmp) / "sdk"
        if sdk_type == "python":
            names = generate_python(export, out)
        else:
            names = generate_typescript(
                export, out, cache_dir, javascript=sdk_type == "javascript", check=False
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{names.project}/{path.relative_to(out)}")
        return buffer.getvalue()


# -- helpers ---------------------------------------------------------------------------
def _run(args: list[str], tool: str) -> None:
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=GENERATE_TIMEOUT, check=False
        )
    except FileNotFoundError as exc:
        raise SdkError(f"{tool}: {exc.filename} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise SdkError(f"{tool} did not finish in {GENERATE_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise SdkError(f"{tool} failed ({done.returncode}): {_tail(done.stdout + done.stderr)}")


def _tail(text: str | None, lines: int = 15) -> str:
    return "\n".join((text or "").strip().splitlines()[-lines:])


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy_into(built: Path, out_dir: Path) -> None:
    """Copy built/* into out_dir, replacing what the generator owns (never out_dir itself)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for item in built.iterdir():
        target = out_dir / item.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            shutil.copy2(item, target)
