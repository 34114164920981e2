"""The prod stage synthesized once per session (reused while the app is unchanged), and a
price book whose rates can be replaced by a pricing page's own worked-example rates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stratus.cost.pricebook import PriceBook, load_prices
from stratus.cost.templates import StackTemplate, load_templates, synthesize_stage

os.environ.setdefault("CDK_VALIDATION", "false")
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def prod_cdk_out() -> Path:
    return synthesize_stage(REPO_ROOT, "prod")


@pytest.fixture(scope="session")
def prod_templates(prod_cdk_out: Path) -> list[StackTemplate]:
    return load_templates(prod_cdk_out)


@pytest.fixture(scope="session")
def prices() -> PriceBook:
    return load_prices("us-east-1")
