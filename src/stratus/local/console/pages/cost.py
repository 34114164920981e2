"""The cost page: the stage's monthly bill from the cost model, with sliders for the traffic.

The page prices the running cloud's own synthesized templates (`settings.cdk_out`) with
`stratus.cost.estimate` -- the model `stratus cost` prints -- so the numbers here and in the
terminal agree. It renders server-side for the query's values (the stage's default profile
when there are none, a plain GET form without JavaScript); `static/cost.js` asks
`/console/cost/estimate?...` for the same computation as JSON while a slider moves.
"Traffic: this local cloud" prices what the usage recorder measured (`stratus cost
--from-local`), times the scale slider.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.cost import estimate, load_prices
from stratus.cost.local_usage import profile_from_usage
from stratus.cost.pricebook import PriceBook, PriceError
from stratus.cost.templates import StackTemplate, load_templates
from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.layout import ConsoleError, json_response, render
from stratus.local.console.pages import Page
from stratus.local.console.pages.cost_form import (
    CHOICES,
    SLIDERS,
    CostForm,
    FormError,
    parse,
    profile_of,
)
from stratus.local.usage.service import UsageService

STAGE = "local"  # what `stratus up` serves; its templates are the ones priced here
FALLBACK_REGION = "us-east-1"


@functools.lru_cache(maxsize=4)
def _templates(cdk_out: Path, stamp: float) -> tuple[StackTemplate, ...]:
    """The assembly's templates, read once per synth (`stamp`: the manifest's mtime)."""
    return tuple(load_templates(cdk_out))


def _prices(region: str) -> tuple[PriceBook, list[str]]:
    try:
        return load_prices(region), []
    except PriceError as exc:
        note = f"{exc}; priced with {FALLBACK_REGION}'s prices instead."
        return load_prices(FALLBACK_REGION), [note]


def _recorded_usage(console: ConsoleContext) -> dict[str, Any]:
    return console.service(UsageService).snapshot()


def price(console: ConsoleContext, form: CostForm) -> dict[str, Any]:
    """The estimate for the form, as `stratus cost --json` prints it (plus the lines)."""
    cdk_out = console.settings.cdk_out
    manifest = cdk_out / "manifest.json"
    if not manifest.is_file():
        raise ConsoleError(404, f"No synthesized templates in {cdk_out}.")
    templates = _templates(cdk_out, manifest.stat().st_mtime)
    prices, notes = _prices(console.settings.region)
    if form.source == "local":
        profile, local_notes = profile_from_usage(_recorded_usage(console), scale=form.scale)
        profile = profile.model_copy(update={"options": form.options})
        notes += local_notes
    else:
        profile = profile_of(form, STAGE)
    result = estimate(templates, profile, prices, form.options, stage=STAGE)
    data = result.to_json()
    data["assumptions"] = notes + data["assumptions"]
    return data


def _form(request: Request) -> CostForm:
    try:
        return parse(request.query_params, STAGE, len(request.url.query.encode()))
    except FormError as exc:
        raise ConsoleError(400, str(exc)) from None


async def cost_page(request: Request) -> Response:
    form = _form(request)
    data = await asyncio.to_thread(price, console_of(request), form)
    return render(
        request,
        "cost/index.html",
        title="Cost",
        active="cost",
        estimate=data,
        values=form.values,
        sliders=SLIDERS,
        choices=CHOICES,
    )


async def cost_estimate(request: Request) -> Response:
    """The estimate as JSON; bad values are a 400 JSON answer naming the control."""
    try:
        form = parse(request.query_params, STAGE, len(request.url.query.encode()))
    except FormError as exc:
        return json_response({"error": str(exc)}, status=400)
    try:
        data = await asyncio.to_thread(price, console_of(request), form)
    except ConsoleError as exc:
        return json_response({"error": exc.message}, status=exc.status)
    return json_response(data)


def _routes(console: ConsoleContext) -> list[BaseRoute]:
    return [
        Route("/cost", cost_page, methods=["GET", "HEAD"]),
        Route("/cost/estimate", cost_estimate, methods=["GET"]),
    ]


PAGE = Page("cost", "Cost", 90, _routes)
