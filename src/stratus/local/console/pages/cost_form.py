"""The cost page's sliders: what each one sets, its bounds, and the query parsed into a
traffic profile and pricing options (bad values are a `FormError`, answered with a 400).

Kept apart from the page so the bounds are one table the template, the JS and the parser
share. The defaults are the stage's documented default profile (`cost.default_profile`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.cost.profile import ApiTraffic, CostOptions, TrafficProfile, default_profile

MAX_QUERY_BYTES = 2048


class FormError(ValueError):
    """A slider or choice outside what the page offers (the message names it)."""


@dataclass(frozen=True)
class Slider:
    name: str
    label: str
    minimum: float
    maximum: float
    step: float
    unit: str = ""


@dataclass(frozen=True)
class Choice:
    name: str
    label: str
    options: tuple[tuple[str, str], ...]  # (value, label); "" keeps what the templates say


SLIDERS = (
    Slider("users", "Monthly active users", 0, 10_000_000, 50),
    Slider("requests_per_user", "API requests per user a day", 0, 500, 1),
    Slider("requests_per_day", "Other API requests a day", 0, 100_000_000, 1000),
    Slider("read_write_ratio", "Database reads per write", 0, 100, 0.5),
    Slider("item_size_bytes", "Item size", 100, 400_000, 100, "bytes"),
    Slider("dax_hit_ratio", "DAX cache hit ratio", 0, 1, 0.05),
    Slider("emails_per_day", "E-mails a day", 0, 1_000_000, 10),
    Slider("page_views_per_day", "Page views a day", 0, 10_000_000, 100),
    Slider("gb_served_per_day", "Downloads served a day", 0, 10_000, 1, "GB"),
    Slider("cdn_cache_hit_ratio", "CloudFront cache hit ratio", 0, 1, 0.05),
    Slider("scale", "Local traffic scale (from this local cloud)", 0.1, 100_000, 0.1, "x"),
)
CHOICES = (
    Choice("dax", "DAX", (("", "as declared"), ("on", "on"), ("off", "off"))),
    Choice(
        "dynamodb_mode",
        "DynamoDB capacity",
        (("", "as declared"), ("on_demand", "on-demand"), ("provisioned", "provisioned")),
    ),
    Choice(
        "price_class",
        "CloudFront price class",
        (
            ("", "as declared"),
            ("PriceClass_100", "100 (NA, EU)"),
            ("PriceClass_200", "200"),
            ("PriceClass_All", "All"),
        ),
    ),
    Choice("cloudfront", "CloudFront", (("on", "in front"), ("off", "origins serve viewers"))),
    Choice(
        "lambda_memory_mb",
        "Lambda memory",
        (("", "as declared"), *((str(m), f"{m} MB") for m in (128, 256, 512, 1024, 2048, 4096))),
    ),
    Choice(
        "lambda_architecture",
        "Lambda architecture",
        (("", "as declared"), ("x86_64", "x86_64"), ("arm64", "arm64 (Graviton)")),
    ),
    Choice("source", "Traffic", (("profile", "the sliders"), ("local", "this local cloud"))),
)


def defaults(stage: str) -> dict[str, str]:
    """Each control's value for the stage's default profile (what the page opens with)."""
    base = default_profile(stage)
    star = base.apis.get("*") or ApiTraffic()
    values: dict[str, Any] = {
        "users": base.users,
        "requests_per_user": star.requests_per_user_per_day,
        "requests_per_day": star.requests_per_day,
        "read_write_ratio": base.read_write_ratio,
        "item_size_bytes": base.item_size_bytes,
        "dax_hit_ratio": base.dax_hit_ratio,
        "emails_per_day": base.emails_per_day,
        "page_views_per_day": base.page_views_per_day,
        "gb_served_per_day": base.bytes_served_per_day / 1e9,
        "cdn_cache_hit_ratio": base.cdn_cache_hit_ratio,
        "scale": 1,
    }
    out = {k: f"{v:g}" for k, v in values.items()}
    out.update({c.name: c.options[0][0] for c in CHOICES})
    return out


@dataclass(frozen=True)
class CostForm:
    values: dict[str, str]  # every control's value, as the page shows it
    source: str  # "profile" (the sliders) or "local" (this cloud's recorded usage)
    scale: float
    options: CostOptions


def _number(slider: Slider, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise FormError(f"{slider.label}: {raw[:40]!r} is not a number") from None
    if not math.isfinite(value) or not slider.minimum <= value <= slider.maximum:
        raise FormError(
            f"{slider.label}: {raw[:40]} is outside {slider.minimum:g}..{slider.maximum:g}"
        )
    return value


def parse(query: Mapping[str, str], stage: str, query_bytes: int = 0) -> CostForm:
    """The controls' values from a query (missing ones keep their defaults)."""
    if query_bytes > MAX_QUERY_BYTES:
        raise FormError(f"the query is longer than {MAX_QUERY_BYTES} bytes")
    values = defaults(stage)
    for slider in SLIDERS:
        raw = query.get(slider.name)
        if raw is not None and raw != "":
            values[slider.name] = f"{_number(slider, raw):g}"
    for choice in CHOICES:
        raw = query.get(choice.name)
        if raw is not None:
            if raw not in {value for value, _ in choice.options}:
                raise FormError(f"{choice.label}: {raw[:40]!r} is not one of the choices")
            values[choice.name] = raw
    memory = values["lambda_memory_mb"]
    options = CostOptions(
        dax={"on": True, "off": False}.get(values["dax"]),
        dynamodb_mode=values["dynamodb_mode"] or None,  # type: ignore[arg-type]
        cloudfront_price_class=values["price_class"] or None,  # type: ignore[arg-type]
        cloudfront=values["cloudfront"] != "off",
        lambda_memory_mb=int(memory) if memory else None,
        lambda_architecture=values["lambda_architecture"] or None,  # type: ignore[arg-type]
    )
    return CostForm(values, values["source"], float(values["scale"]), options)


def profile_of(form: CostForm, stage: str) -> TrafficProfile:
    """The stage's default profile with the sliders' values and the form's options."""
    v = {name: float(form.values[name]) for name in (s.name for s in SLIDERS)}
    users = int(v["users"])
    return default_profile(stage).model_copy(
        update={
            "name": "console",
            "description": (
                f"{users:,} monthly active users making {v['requests_per_user']:g} API requests "
                f"a day each (+{v['requests_per_day']:,.0f} a day), {v['read_write_ratio']:g} "
                f"reads per write of {v['item_size_bytes']:,.0f}-byte items, "
                f"{v['emails_per_day']:,.0f} e-mails, {v['page_views_per_day']:,.0f} page views "
                f"and {v['gb_served_per_day']:g} GB of downloads a day (the console's sliders)"
            ),
            "users": users,
            "apis": {
                "*": ApiTraffic(
                    requests_per_user_per_day=v["requests_per_user"],
                    requests_per_day=v["requests_per_day"],
                )
            },
            "read_write_ratio": v["read_write_ratio"],
            "item_size_bytes": int(v["item_size_bytes"]),
            "dax_hit_ratio": v["dax_hit_ratio"],
            "emails_per_day": v["emails_per_day"],
            "page_views_per_day": v["page_views_per_day"],
            "bytes_served_per_day": v["gb_served_per_day"] * 1e9,
            "cdn_cache_hit_ratio": v["cdn_cache_hit_ratio"],
            "object_uploads_per_day": users * 0.2,
            "object_downloads_per_day": users * 0.5,
            "options": form.options,
        }
    )
