"""The Regions a console page lists: the cloud's own, then every Region a stack of the
deployment lives in; `?region=` narrows a page to one of them, or to any Region of AWS's
commercial partition (botocore's endpoint data: resources an SDK made outside the
deployment's Regions are found too, and the local endpoint is asked about no made-up one)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stratus.local.console.context import ConsoleContext

_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")


def regions(console: ConsoleContext) -> list[str]:
    default = console.settings.region
    found = {default}
    if console.deployment is not None:
        found |= {stack.region for stack in console.deployment.stacks.values()}
    return sorted(found, key=lambda r: (r != default, r))


def chosen(console: ConsoleContext, requested: str | None) -> list[str]:
    """Every Region, or the one `?region=` names; ValueError for one AWS has not."""
    known = regions(console)
    if not requested:
        return known
    if not _REGION.match(requested) or requested not in set(known) | _aws_regions():
        raise ValueError(f"no Region {requested[:40]!r}")
    return [requested]


def _aws_regions() -> set[str]:
    import boto3

    return set(boto3.session.Session().get_available_regions("sqs"))
