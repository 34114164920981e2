"""Read a synthesized CDK cloud assembly (cdk.out) without the CDK.

The provisioner needs only what `manifest.json` says: which artifacts are CloudFormation
stacks, their template files, parameters and dependencies. Reading the JSON directly keeps
aws-cdk-lib (600 MB, a jsii node process) out of `stratus up`. Nested assemblies (CDK
Stages) are followed; their stacks join the same dependency order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

STACK_TYPE = "aws:cloudformation:stack"
NESTED_TYPE = "cdk:cloud-assembly"
ASSET_MANIFEST_TYPE = "cdk:asset-manifest"


class AssemblyError(Exception):
    """The cloud assembly is missing, malformed or has a dependency cycle."""


@dataclass
class StackArtifact:
    artifact_id: str
    stack_name: str
    template_path: Path
    assembly_dir: Path
    parameters: dict[str, str] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)  # artifact ids of other stacks
    # S3 object key of a file asset -> its path in the assembly (from <stack>.assets.json),
    # for templates synthesized without aws:asset:path metadata.
    assets: dict[str, str] = field(default_factory=dict)
    # The CDK env (manifest "environment": aws://account/region); None where env-agnostic
    # ("unknown-account" / "unknown-region"): the local defaults apply.
    account: str | None = None
    region: str | None = None
    # Stack-level tags (manifest "properties.tags"): CloudFormation puts them on every resource.
    tags: dict[str, str] = field(default_factory=dict)

    def template(self) -> dict[str, Any]:
        try:
            data = json.loads(self.template_path.read_text())
        except (OSError, ValueError) as exc:
            raise AssemblyError(
                f"{self.stack_name}: cannot read {self.template_path}: {exc}"
            ) from exc
        if not isinstance(data, dict):
            raise AssemblyError(f"{self.stack_name}: template is not a JSON object")
        return data

    def asset_dir(self, asset_path: str) -> Path:
        """Absolute directory of a Lambda asset named by Metadata["aws:asset:path"]."""
        path = Path(asset_path)
        return path if path.is_absolute() else (self.assembly_dir / path).resolve()


@dataclass
class Assembly:
    directory: Path
    stacks: list[StackArtifact]  # in dependency order (dependencies first)

    def stack(self, name: str) -> StackArtifact:
        for stack in self.stacks:
            if name in (stack.stack_name, stack.artifact_id):
                return stack
        raise KeyError(name)


def read_assembly(directory: Path) -> Assembly:
    directory = directory.resolve()
    found: dict[str, StackArtifact] = {}
    _collect(directory, found, prefix="")
    graph = {aid: [d for d in art.dependencies if d in found] for aid, art in found.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssemblyError(f"stack dependency cycle: {' -> '.join(exc.args[1])}") from exc
    return Assembly(directory=directory, stacks=[found[aid] for aid in order])


def _collect(directory: Path, found: dict[str, StackArtifact], prefix: str) -> None:
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except FileNotFoundError as exc:
        raise AssemblyError(f"no manifest.json in {directory} (run cdk synth first)") from exc
    except ValueError as exc:
        raise AssemblyError(f"{manifest_path}: {exc}") from exc
    artifacts = manifest.get("artifacts") or {}
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        props = artifact.get("properties") or {}
        if kind == NESTED_TYPE:
            _collect(directory / props["directoryName"], found, prefix=f"{prefix}{artifact_id}/")
        elif kind == STACK_TYPE:
            full_id = f"{prefix}{artifact_id}"
            account, region = _environment(str(artifact.get("environment") or ""))
            found[full_id] = StackArtifact(
                artifact_id=full_id,
                stack_name=props.get("stackName") or artifact_id,
                template_path=directory / props["templateFile"],
                assembly_dir=directory,
                parameters={k: str(v) for k, v in (props.get("parameters") or {}).items()},
                dependencies=[f"{prefix}{d}" for d in artifact.get("dependencies") or []],
                assets=_asset_keys(directory, artifacts, artifact.get("dependencies") or []),
                account=account,
                region=region,
                tags={str(k): str(v) for k, v in (props.get("tags") or {}).items()},
            )


def _environment(env: str) -> tuple[str | None, str | None]:
    """`aws://123456789012/eu-west-1` -> (account, region); unknown parts -> None.

    https://docs.aws.amazon.com/cdk/v2/guide/environments.html
    """
    if not env.startswith("aws://"):
        return None, None
    account, _, region = env[len("aws://") :].partition("/")
    return _known(account, "unknown-account"), _known(region, "unknown-region")


def _known(value: str, unknown: str) -> str | None:
    return None if not value or value == unknown or "$" in value else value


def _asset_keys(
    directory: Path, artifacts: dict[str, Any], dependencies: list[str]
) -> dict[str, str]:
    """objectKey -> source path for the file assets of the asset manifests a stack depends on."""
    keys: dict[str, str] = {}
    for dep in dependencies:
        artifact = artifacts.get(dep) or {}
        if artifact.get("type") != ASSET_MANIFEST_TYPE:
            continue
        try:
            files = json.loads((directory / artifact["properties"]["file"]).read_text()).get(
                "files", {}
            )
        except (OSError, ValueError, KeyError):
            continue
        for asset in files.values():
            source = (asset.get("source") or {}).get("path")
            for dest in (asset.get("destinations") or {}).values():
                if source and dest.get("objectKey"):
                    keys[dest["objectKey"]] = source
    return keys


load_assembly = read_assembly  # the name `stratus up` imports
