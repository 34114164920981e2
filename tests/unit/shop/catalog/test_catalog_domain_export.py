"""`sdk/catalog/domain_export.py`: the exports of the APIs mapped on the catalog's domain
make one document whose paths carry their base paths (what the SDK calls from the
domain's root); a conflict between the APIs is an error, never a silent pick."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[4]


def _module() -> Any:
    path = ROOT / "sdk" / "catalog" / "domain_export.py"
    spec = importlib.util.spec_from_file_location("catalog_domain_export", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


domain_export = _module()
ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def _export(paths: dict[str, Any], schemas: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "x", "version": "1"},
        "servers": [{"url": "https://abc.execute-api.us-east-1.amazonaws.com/{basePath}"}],
        "paths": paths,
        "components": {"schemas": schemas, **extra},
    }


def test_each_apis_paths_go_under_its_base_path_and_models_merge() -> None:
    v1 = _export({"/": {"options": {}}, "/products": {"get": {"operationId": "list_v1"}}},
                 {"CatalogError": ERROR, "ProductV1": {"type": "object"}})  # fmt: skip
    v2 = _export({"/prices": {"get": {"operationId": "get_prices"}}},
                 {"CatalogError": ERROR, "PriceQuote": {"type": "object"}},
                 securitySchemes={"sigv4": {"type": "apiKey"}})  # fmt: skip
    merged = domain_export.merge_exports({"v1": v1, "v2": v2})
    assert set(merged["paths"]) == {"/v1", "/v1/products", "/v2/prices"}
    assert merged["paths"]["/v2/prices"]["get"]["operationId"] == "get_prices"
    assert set(merged["components"]["schemas"]) == {"CatalogError", "ProductV1", "PriceQuote"}
    assert merged["components"]["securitySchemes"] == {"sigv4": {"type": "apiKey"}}
    assert "servers" not in merged and merged["openapi"] == "3.0.1"


def test_a_model_two_apis_declare_differently_is_an_error() -> None:
    v1 = _export({}, {"CatalogError": ERROR})
    v2 = _export({}, {"CatalogError": {"type": "string"}})
    with pytest.raises(domain_export.DomainExportError, match="CatalogError"):
        domain_export.merge_exports({"v1": v1, "v2": v2})


def test_a_domain_with_no_mapping_is_an_error() -> None:
    with pytest.raises(domain_export.DomainExportError, match="no API"):
        domain_export.merge_exports({})


def test_the_export_reads_every_mapping_of_the_domain() -> None:
    import io
    import json

    exports = {"id1": _export({"/products": {"get": {}}}, {}),
               "id2": _export({"/prices": {"get": {}}}, {})}  # fmt: skip

    class Client:
        def get_base_path_mappings(self, domainName: str) -> dict[str, Any]:
            assert domainName == "catalog.example.com"
            return {"items": [{"basePath": "v1", "restApiId": "id1", "stage": "prod"},
                              {"basePath": "v2", "restApiId": "id2", "stage": "prod"}]}  # fmt: skip

        def get_export(self, **kw: str) -> dict[str, Any]:
            assert kw["stageName"] == "prod" and kw["exportType"] == "oas30"
            return {"body": io.BytesIO(json.dumps(exports[kw["restApiId"]]).encode())}

    merged = domain_export.export_domain(Client(), "catalog.example.com")
    assert set(merged["paths"]) == {"/v1/products", "/v2/prices"}
