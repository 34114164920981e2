"""What the messaging pages (queues, topics, streams, rules, inbox) share: the Regions to
list, input checks that turn bad names and tokens into 404/400 pages, and AWS errors turned
into console errors. No PAGE here: not a menu entry."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from botocore.exceptions import BotoCoreError, ClientError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from stratus.local.console.context import ConsoleContext
from stratus.local.console.data import regions as region_choice
from stratus.local.console.layout import ConsoleError

T = TypeVar("T")
# What a boto3 call raises when the service refuses or cannot be reached.
AWS_ERRORS = (ClientError, BotoCoreError)

MAX_TOKEN = 4096  # longer page tokens are refused before any call
MAX_STATUS = 300  # characters of a status message shown after an action
# Error codes AWS services answer for a resource that does not exist.
_MISSING = {
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NotFound",
    "NotFoundException",
    "ResourceNotFoundException",
}


def regions(console: ConsoleContext) -> list[str]:
    """The local Region first, then every other Region a stack was provisioned into."""
    return region_choice.regions(console)


def chosen_regions(request: Request, console: ConsoleContext) -> list[str]:
    """`?region=` when given (checked: a 400 page for no AWS Region), else every Region of
    the deployment."""
    try:
        return region_choice.chosen(console, request.query_params.get("region"))
    except ValueError:
        raise ConsoleError(400, "Not a Region name.") from None


def page_token(request: Request, name: str = "token") -> str | None:
    token = request.query_params.get(name) or None
    if token is not None and len(token) > MAX_TOKEN:
        raise ConsoleError(400, "The page token is too long.")
    return token


def region_pages(
    request: Request,
    console: ConsoleContext,
    list_region: Callable[[ConsoleContext, str, str | None], Any],
) -> dict[str, Any]:
    """A list page's Regions, each listed by `list_region(console, region, token)`, and the
    default Region; a page token only with the one Region it belongs to (else a 400)."""
    chosen = chosen_regions(request, console)
    token = page_token(request)
    if token and len(chosen) != 1:
        raise ConsoleError(400, "A page token needs the Region it belongs to (?region=).")
    return {
        "regions": [list_region(console, region, token) for region in chosen],
        "default_region": console.settings.region,
    }


def offset(request: Request, name: str = "from") -> int:
    raw = request.query_params.get(name, "0")
    if not raw.isdigit() or len(raw) > 9:
        raise ConsoleError(400, "The page position must be a number.")
    return int(raw)


def checked_name(value: str, pattern: re.Pattern[str], what: str) -> str:
    """A resource name from the path; anything its service could not have named is a 404."""
    if not pattern.fullmatch(value) or set(value) <= {"."}:
        raise ConsoleError(404, f"No such {what}.")
    return value


def aws_call(call: Callable[..., T], *args: Any, missing: str = "", **kwargs: Any) -> T:
    """`call(...)`, with a missing resource as a 404 page (`missing` names it) and any
    other refusal as a 400 page in the service's own words."""
    try:
        return call(*args, **kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if missing and (
            code in _MISSING
            or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404
        ):
            raise ConsoleError(404, f"No such {missing}.") from exc
        raise ConsoleError(400, f"{code}: {error.get('Message', '')}") from exc
    except BotoCoreError as exc:
        raise ConsoleError(400, str(exc)) from exc


def aws_error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def status_message(request: Request) -> str | None:
    """The status an action redirected back with (`?msg=`), bounded."""
    text = request.query_params.get("msg")
    return text[:MAX_STATUS] if text else None


def back(path: str, message: str, **query: str | None) -> Response:
    """303 to `path` with `message` shown as the page's status."""
    params = {k: v for k, v in query.items() if v}
    params["msg"] = message[:MAX_STATUS]
    return RedirectResponse(f"{path}?{urlencode(params)}", status_code=303)


def name_of_arn(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def region_of_arn(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def link_of_arn(arn: str) -> str | None:
    """The console page (relative to /console/) of the resource an ARN names, if any."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, resource = parts[2], parts[5]
    if service == "sqs":
        return f"queues/{quote(resource, safe='')}"
    if service == "sns":
        return f"topics/{quote(resource, safe='')}"
    if service == "lambda" and resource.startswith("function:"):
        return f"functions/{quote(resource.split(':')[1], safe='')}"
    if service == "kinesis" and resource.startswith("stream/"):
        return f"streams/{quote(resource.split('/', 1)[1], safe='')}"
    if service == "events" and resource.startswith("event-bus/"):
        return "rules"
    return None
