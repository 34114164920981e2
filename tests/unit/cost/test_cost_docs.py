"""docs/cost.md is what `python -m stratus.cost.docs` generates today."""

from __future__ import annotations

from stratus.cost.docs import CLAIMS, DOC, render
from stratus.cost.pricebook import PriceBook
from stratus.cost.templates import StackTemplate


def test_docs_cost_md_is_current(prod_templates: list[StackTemplate], prices: PriceBook) -> None:
    assert DOC.read_text() == render(prod_templates, prices), "run: python -m stratus.cost.docs"


def test_docs_answer_each_seed_claim_with_numbers() -> None:
    text = DOC.read_text()
    for claim in CLAIMS:
        assert f"## {claim.heading}" in text
        for scenario in claim.scenarios:
            assert f"| {scenario.title} | $" in text
