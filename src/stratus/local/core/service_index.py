"""What botocore's service models say about finding a service from a request.

Loading all ~450 models takes seconds, so only their `metadata` (protocol, signing name,
endpoint prefix, JSON target prefix, API version) is indexed, once per botocore version,
into a small cache file; a service's full model is loaded the first time one of its
requests arrives.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore
import botocore.loaders

from stratus.local.core.botocore_data import LeanJSONFileLoader, shared_loader


@dataclass(frozen=True)
class ServiceMeta:
    name: str  # botocore's name: 's3', 'dynamodbstreams', 'cognito-idp'
    protocol: str  # json, rest-json, rest-xml, query, ec2, smithy-rpc-v2-cbor
    protocols: tuple[str, ...]
    signing_name: str
    endpoint_prefix: str
    target_prefix: str | None
    api_version: str = ""  # what a query-protocol request names as its `Version`


_INDEX_FORMAT = 2  # bumped when a row gains a field: older cache files are rebuilt


def _cache_path() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "stratus" / f"botocore-{botocore.__version__}-services-{_INDEX_FORMAT}.json"


def _loader() -> Any:
    return shared_loader()  # the models the process's boto3 clients read too


def _build_index() -> list[dict[str, Any]]:
    # A loader of its own: the shared one would keep all ~450 models for the process's life.
    loader = botocore.loaders.create_loader()
    loader.file_loader = LeanJSONFileLoader()
    rows = []
    for name in loader.list_available_services("service-2"):
        meta = loader.load_service_model(name, "service-2").get("metadata", {})
        rows.append(
            {
                "name": name,
                "protocol": meta.get("protocol", "json"),
                "protocols": list(meta.get("protocols") or [meta.get("protocol", "json")]),
                "signing_name": meta.get("signingName") or meta.get("endpointPrefix") or name,
                "endpoint_prefix": meta.get("endpointPrefix") or name,
                "target_prefix": meta.get("targetPrefix"),
                "api_version": meta.get("apiVersion", ""),
            }
        )
    return rows


@functools.lru_cache(maxsize=1)
def all_services() -> dict[str, ServiceMeta]:
    path = _cache_path()
    rows: list[dict[str, Any]] | None = None
    if path.is_file():
        try:
            rows = json.loads(path.read_text())
        except ValueError:
            rows = None
    if rows is None:
        rows = _build_index()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(rows))
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home only costs the index on every start
    return {
        row["name"]: ServiceMeta(
            name=row["name"],
            protocol=row["protocol"],
            protocols=tuple(row["protocols"]),
            signing_name=row["signing_name"],
            endpoint_prefix=row["endpoint_prefix"],
            target_prefix=row["target_prefix"],
            api_version=row["api_version"],
        )
        for row in rows
    }


@functools.cache
def service_model(name: str) -> dict[str, Any]:
    """The full botocore model (operations with their http bindings) of one service."""
    model: dict[str, Any] = _loader().load_service_model(name, "service-2")
    return model
