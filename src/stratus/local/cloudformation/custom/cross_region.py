"""Custom::CrossRegionExportWriter / Custom::CrossRegionExportReader (CDK's cross-region
references, `crossRegionReferences: true`), as aws-cdk's handlers do
(packages/@aws-cdk/custom-resource-handlers/lib/core/cross-region-ssm-writer-handler/
index.ts and cross-region-ssm-reader-handler/index.ts):

- the writer, in the producing stack, puts each export as an SSM String parameter
  `/cdk/exports/<consumer stack>/<name>` in the consumer's region; an export in use (tagged
  `aws-cdk:strong-ref:<stack>` by a reader) may not change or go away;
- the reader, in the consuming stack, tags the parameters it imports and answers their
  values as Data (CloudFormation resolved the `{{resolve:ssm:...}}` references in its
  properties before the call; the provisioner does that here).
"""

from __future__ import annotations

from typing import Any

from stratus.local.cloudformation.custom.native import CustomResourceFailed, NativeCustomResource
from stratus.local.provision.provider import Attributes, ProviderContext, error_code


class ExportWriterProvider(NativeCustomResource):
    def on_create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        writer = props.get("WriterProps") or {}
        ssm = ctx.aws_in("ssm", writer.get("region"))
        exports = dict(writer.get("exports") or {})
        _throw_if_in_use(ssm, exports)
        _put(ssm, exports)
        return f"{ctx.stack}-{ctx.logical_id}-{ctx.short_id(8)}", {}

    def on_update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any], old: dict[str, Any]
    ) -> tuple[str, Attributes]:
        writer = props.get("WriterProps") or {}
        ssm = ctx.aws_in("ssm", writer.get("region"))
        exports = dict(writer.get("exports") or {})
        old_exports = dict((old.get("WriterProps") or {}).get("exports") or {})
        changed = [k for k in old_exports if k in exports and old_exports[k] != exports[k]]
        if changed:
            raise CustomResourceFailed("Some exports have changed!\n" + "\n".join(changed))
        removed = {k: v for k, v in old_exports.items() if k not in exports}
        _throw_if_in_use(ssm, removed)
        _delete(ssm, list(removed))
        added = {k: v for k, v in exports.items() if k not in old_exports}
        _throw_if_in_use(ssm, added)
        _put(ssm, added)
        return physical_id, {}

    def on_delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> None:
        writer = props.get("WriterProps") or {}
        ssm = ctx.aws_in("ssm", writer.get("region"))
        exports = dict(writer.get("exports") or {})
        _throw_if_in_use(ssm, exports)
        _delete(ssm, list(exports))


class ExportReaderProvider(NativeCustomResource):
    def on_create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        reader = props.get("ReaderProps") or {}
        ssm = ctx.aws_in("ssm", reader.get("region"))
        imports = dict(reader.get("imports") or {})
        _tag(ssm, list(imports), _key(reader))
        return f"{ctx.stack}-{ctx.logical_id}-{ctx.short_id(8)}", imports

    def on_update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any], old: dict[str, Any]
    ) -> tuple[str, Attributes]:
        reader = props.get("ReaderProps") or {}
        ssm = ctx.aws_in("ssm", reader.get("region"))
        imports = dict(reader.get("imports") or {})
        old_imports = dict((old.get("ReaderProps") or {}).get("imports") or {})
        _untag(ssm, [k for k in old_imports if k not in imports], _key(reader))
        _tag(ssm, [k for k in imports if k not in old_imports], _key(reader))
        return physical_id, imports

    def on_delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> None:
        reader = props.get("ReaderProps") or {}
        ssm = ctx.aws_in("ssm", reader.get("region"))
        _untag(ssm, list(reader.get("imports") or {}), _key(reader))


def _key(reader: dict[str, Any]) -> str:
    return f"aws-cdk:strong-ref:{reader.get('prefix', '')}"


def _put(ssm: Any, exports: dict[str, Any]) -> None:
    for name, value in exports.items():
        ssm.put_parameter(Name=name, Value=str(value), Type="String", Overwrite=True)


def _delete(ssm: Any, names: list[str]) -> None:
    names = sorted(names)
    for start in range(0, len(names), 10):  # DeleteParameters takes at most 10 names
        ssm.delete_parameters(Names=names[start : start + 10])


def _in_use(ssm: Any, name: str) -> set[str]:
    try:
        tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    except Exception as exc:
        if error_code(exc) in ("InvalidResourceId", "ParameterNotFound"):
            return set()
        raise
    users = set()
    for tag in tags:
        parts = str(tag.get("Key", "")).split(":")
        if len(parts) > 2 and parts[0] == "aws-cdk" and parts[1] == "strong-ref":
            users.add(parts[2])
    return users


def _throw_if_in_use(ssm: Any, exports: dict[str, Any]) -> None:
    used = {name: users for name in exports if (users := _in_use(ssm, name))}
    if used:
        lines = [f"{name} is in use by stack(s) {' '.join(sorted(u))}" for name, u in used.items()]
        raise CustomResourceFailed("Exports cannot be updated: \n" + "\n".join(lines))


def _tag(ssm: Any, names: list[str], key: str) -> None:
    for name in names:
        try:
            ssm.add_tags_to_resource(
                ResourceType="Parameter", ResourceId=name, Tags=[{"Key": key, "Value": "true"}]
            )
        except Exception as exc:
            raise CustomResourceFailed(f"Error importing {name}: {exc}") from exc


def _untag(ssm: Any, names: list[str], key: str) -> None:
    for name in names:
        try:
            ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name, TagKeys=[key])
        except Exception as exc:
            if error_code(exc) not in ("InvalidResourceId", "ParameterNotFound"):
                raise CustomResourceFailed(f"Error releasing import {name}: {exc}") from exc
