"""Regenerates a shop service's Python SDK (`stratus_<service>_client`) from its API Gateway
export; one generator for every service listed in `SERVICES`.

The document is what `aws apigateway get-export --export-type oas30` returns for the
service's stage on a running cloud (models, query parameters and responses come from the
stack's API Gateway declarations), made stage-neutral by `canonical()` and committed as
`sdk/<service>/openapi.json`; openapi-python-client writes the package from it (the same
completion `stratus sdk` applies: `stratus.local.gateway.sdk.sdk_document`), and the
service's hand-written modules (e.g. catalog's SigV4 hook) are copied in beside it.
Output is formatted by ruff with pinned settings, so a temp-dir run is byte-identical to
the committed copy (the unit drift tests rely on that; the integration tests compare the
running export with the committed document).

Versioning: the package's `__version__` is `<api version>+<doc hash>`: the API's own
version (bumped by hand when a new resource tree such as `/v2` ships) and the first 12 hex
digits of the SHA-256 of the canonical document without its `info` block, so any change
to routes, parameters or models changes the version even when nobody bumped it.

    .venv/bin/python sdk/service_sdk.py SERVICE --export FILE  # new export: rewrite doc + package
    .venv/bin/python sdk/service_sdk.py SERVICE                # regenerate from the committed doc
    .venv/bin/python sdk/service_sdk.py SERVICE --out DIR      # write DIR/stratus_SERVICE_client/
    .venv/bin/python sdk/service_sdk.py all                    # every service, committed docs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratus.local.gateway.sdk import sdk_document

HERE = Path(__file__).resolve().parent
RUFF_ARGS = ["--isolated", "--line-length", "100", "--target-version", "py311"]


@dataclass(frozen=True)
class ServiceSdk:
    """One service's SDK: where its document lives and what its package is called."""

    name: str
    api_version: str  # the API's version: bump the major when a new resource tree ships
    hand_written: tuple[str, ...] = ()  # files in sdk/<name>/ copied into the package

    @property
    def package(self) -> str:
        return f"stratus_{self.name}_client"

    @property
    def title(self) -> str:
        return f"stratus-{self.name}"

    @property
    def spec_file(self) -> Path:
        return HERE / self.name / "openapi.json"

    @property
    def config(self) -> str:
        return (
            f"package_name_override: {self.package}\n"
            f"project_name_override: stratus-{self.name}-client\n"
            "post_hooks: []\n"
        )

    def canonical(self, export: dict[str, Any]) -> dict[str, Any]:
        """The export without what differs per stage and deployment (API name and id,
        server URL, deployment date, gateway extensions), completed for generators."""
        doc = sdk_document(export)
        doc = {k: v for k, v in doc.items() if not k.startswith("x-") and k != "servers"}
        doc["info"] = {"title": self.title, "version": self.api_version}
        return _neutral_schemes(dict(json.loads(json.dumps(doc, sort_keys=True))))

    def generate(self, doc: dict[str, Any], out_dir: Path) -> Path:
        """Writes out_dir/stratus_<name>_client/ (replacing it) and returns that path."""
        return _generate(self, doc, out_dir)


def _neutral_schemes(doc: dict[str, Any]) -> dict[str, Any]:
    """Renames security schemes named after a stage's construct path (a Cognito
    authorizer's logical id, e.g. `ShopOrdersdevServiceAuthorizer...`) to `cognito`, so
    every stage exports the same document; `sigv4` (IAM auth) is already stable."""
    schemes = doc.get("components", {}).get("securitySchemes", {})
    renames = {name: "cognito" for name, scheme in schemes.items()
               if name != "sigv4" and scheme.get("type") == "apiKey"}  # fmt: skip
    if len(renames) > 1:
        renames = {name: f"cognito{i}" for i, name in enumerate(sorted(renames), 1)}
    for old, new in renames.items():
        schemes[new] = schemes.pop(old)
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and "security" in op:
                op["security"] = [{renames.get(k, k): v for k, v in req.items()}
                                  for req in op["security"]]  # fmt: skip
    return dict(json.loads(json.dumps(doc, sort_keys=True)))


SERVICES: dict[str, ServiceSdk] = {
    "catalog": ServiceSdk("catalog", "2.0.0", hand_written=("signing.py",)),
    "orders": ServiceSdk("orders", "1.0.0"),
}


def package_version(service: ServiceSdk, doc: dict[str, Any]) -> str:
    """`<api version>+<12 hex digits of the document's hash, info excluded>` (PEP 440
    local version label), so an unbumped API change still changes the version."""
    body = {k: v for k, v in doc.items() if k != "info"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    return f"{service.api_version}+{digest}"


def _run(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, text=True)


def _generate(service: ServiceSdk, doc: dict[str, Any], out_dir: Path) -> Path:
    target = out_dir / service.package
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "spec.json").write_text(json.dumps(doc, indent=2, sort_keys=True))
        (work / "config.yaml").write_text(service.config)
        built = work / service.package
        _run(
            sys.executable, "-m", "openapi_python_client", "generate",
            "--path", str(work / "spec.json"), "--config", str(work / "config.yaml"),
            "--meta", "none", "--output-path", str(built), "--overwrite",
        )  # fmt: skip
        (built / "py.typed").write_text("")
        init = built / "__init__.py"
        init.write_text(init.read_text() + f'\n__version__ = "{package_version(service, doc)}"\n')
        for name in service.hand_written:
            shutil.copy2(HERE / service.name / name, built / name)
        _run(sys.executable, "-m", "ruff", "check", "--fix", "--select", "I,F401,UP", "--no-cache",
             "--exit-zero", *RUFF_ARGS, str(built))  # fmt: skip
        _run(sys.executable, "-m", "ruff", "format", "--no-cache", *RUFF_ARGS, str(built))
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(built, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=[*SERVICES, "all"])
    parser.add_argument("--export", type=Path, help="an oas30 export of the service's stage")
    parser.add_argument("--out", type=Path, help="folder to write the package into")
    args = parser.parse_args(argv)
    if args.service == "all" and args.export is not None:
        parser.error("--export needs one service")
    for service in SERVICES.values() if args.service == "all" else [SERVICES[args.service]]:
        if args.export is not None:
            doc = service.canonical(json.loads(args.export.read_text()))
            service.spec_file.parent.mkdir(parents=True, exist_ok=True)
            service.spec_file.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        else:
            doc = json.loads(service.spec_file.read_text())
        print(service.generate(doc, args.out or HERE))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
