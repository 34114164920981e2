"""The OpenAPI document of a custom domain: every API mapped on it, under its base path.

API Gateway exports one stage at a time (GetExport); catalog's v1 and v2 are two APIs on
the base paths `v1` and `v2` of one domain, and its SDK calls them both from the domain's
root (`{CatalogApiUrl}v1/products`, `{CatalogApiUrl}v2/prices`). This reads the domain's
base path mappings (GetBasePathMappings), exports each mapped stage (oas30) and puts each
API's paths under its base path (`/products` -> `/v1/products`), with the APIs' models and
security schemes merged (two APIs declaring one name differently is an error). The result
is what `sdk/service_sdk.py catalog --export FILE` takes:

    .venv/bin/python sdk/catalog/domain_export.py catalog.shop.local.localhost \\
        --endpoint-url http://127.0.0.1:4566 > /tmp/catalog.json       # or AWS: no endpoint
    .venv/bin/python sdk/service_sdk.py catalog --export /tmp/catalog.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

COMPONENT_KINDS = ("schemas", "securitySchemes", "responses", "parameters")


class DomainExportError(ValueError):
    """The mapped APIs cannot make one document."""


def merge_exports(by_base_path: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """One document from base path -> that stage's oas30 export (servers dropped)."""
    if not by_base_path:
        raise DomainExportError("no API is mapped on the domain")
    merged: dict[str, Any] = {"paths": {}, "components": {}}
    for base, export in sorted(by_base_path.items()):
        prefix = "/" + base.strip("/") if base.strip("/") not in ("", "(none)") else ""
        for key, value in export.items():
            if key not in ("paths", "components", "servers"):
                merged.setdefault(key, value)  # openapi, info, x-amazon-apigateway-* …
        for path, item in export.get("paths", {}).items():
            full = prefix + path if path != "/" else (prefix or "/")
            if full in merged["paths"]:
                raise DomainExportError(f"{full} is served by two mapped APIs")
            merged["paths"][full] = item
        for kind, named in export.get("components", {}).items():
            into = merged["components"].setdefault(kind, {})
            for name, definition in named.items():
                if name in into and into[name] != definition:
                    raise DomainExportError(f"{kind} {name!r} differs between the mapped APIs")
                into[name] = definition
    return merged


def export_domain(client: Any, domain: str) -> dict[str, Any]:
    """The merged document of `domain`, read with an API Gateway (REST) boto3 client."""
    mappings = client.get_base_path_mappings(domainName=domain).get("items", [])
    exports: dict[str, dict[str, Any]] = {}
    for mapping in mappings:
        answer = client.get_export(
            restApiId=mapping["restApiId"],
            stageName=mapping["stage"],
            exportType="oas30",
            accepts="application/json",
        )
        exports[mapping["basePath"]] = json.loads(answer["body"].read())
    return merge_exports(exports)


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domain", help="the custom domain name, e.g. catalog.example.com")
    parser.add_argument("--endpoint-url", help="the local cloud's AWS endpoint")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    client = boto3.client("apigateway", endpoint_url=args.endpoint_url, region_name=args.region)
    json.dump(export_domain(client, args.domain), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
