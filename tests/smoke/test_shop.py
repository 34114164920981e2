"""The shop stage answers: the catalog's public v1 API lists the sample products."""

from __future__ import annotations

import httpx


def test_catalog_v1_lists_the_sample_products(catalog_api: httpx.Client) -> None:
    response = catalog_api.get("v1/products")
    assert response.status_code == 200, response.text
    assert "4.13" in response.text  # the sample product whose payment fails, per issue 10
