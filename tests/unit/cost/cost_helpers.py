"""Helpers for the cost tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from stratus.cost.pricebook import PriceBook


def with_rates(book: PriceBook, service: str, **rates: Any) -> PriceBook:
    """`book` with some of `service`'s prices replaced (a page's example may use older ones)."""
    services: dict[str, Mapping[str, Any]] = dict(book.services)
    services[service] = {**book.services[service], **rates}
    return replace(book, services=services)
