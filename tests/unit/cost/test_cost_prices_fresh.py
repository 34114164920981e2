"""Prices are data with a date and a source page: stale or unsourced prices fail here."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources

import pytest

from stratus.cost.pricebook import PriceError, available_regions, load_prices

MAX_AGE = timedelta(days=365)


def test_every_price_file_is_younger_than_a_year() -> None:
    assert available_regions(), "no price files"
    for region in available_regions():
        book = load_prices(region)
        age = date.today() - book.as_of
        assert age <= MAX_AGE, (
            f"{region} prices are {age.days} days old: read the pricing pages again"
        )


def test_every_service_names_its_aws_pricing_page() -> None:
    for region in available_regions():
        data = json.loads((resources.files("stratus.cost.prices") / f"{region}.json").read_text())
        assert data["region"] == region and "as_of_kind" in data
        for name, block in data["services"].items():
            assert str(block.get("source", "")).startswith("https://aws.amazon.com/"), name


def test_the_regions_we_deploy_to_are_priced() -> None:
    # The blog stack and the pipeline are pinned to us-east-1 (stratus.infra.blog.stack).
    assert "us-east-1" in available_regions()


def test_unknown_region_and_price_are_clear_errors() -> None:
    with pytest.raises(PriceError, match=r"no price file for Region 'mars-1'"):
        load_prices("mars-1")
    with pytest.raises(PriceError, match=r"no price lambda\.nope"):
        load_prices().rate("lambda", "nope")
