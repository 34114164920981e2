"""The prod stage's estimate for its default profile, compared exactly with a stored file.

Regenerate after a deliberate change (templates, prices or the model):
    STRATUS_COST_GOLDEN=1 pytest tests/unit/cost/test_cost_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from stratus.cost.estimate import estimate
from stratus.cost.pricebook import PriceBook
from stratus.cost.profile import default_profile
from stratus.cost.templates import StackTemplate

GOLDEN = Path(__file__).parent / "golden" / "prod.json"


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_prod_estimate_matches_the_golden_file(
    prod_templates: list[StackTemplate], prices: PriceBook
) -> None:
    est = estimate(prod_templates, default_profile("prod"), prices, stage="prod")
    current = _rounded(est.to_json())
    if os.environ.get("STRATUS_COST_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    stored = json.loads(GOLDEN.read_text())
    assert current == stored, "prod estimate changed: STRATUS_COST_GOLDEN=1 regenerates the file"
