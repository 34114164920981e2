"""Queues: every SQS queue of the account in each Region of the deployment (depth, in
flight, delayed, dead-letter queue and which queues use it as theirs); one queue's
attributes, redrive policy and messages (peeked, never received: `sqs.peek`); Redrive
(back to the source queue, `sqs.redrive`) and Purge as POST actions.

Counts and policies come from the SQS API (GetQueueAttributes, as the AWS console shows
them); a list page asks ListQueues for one page of at most PAGE_SIZE queues per Region.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.console.app import BASE_PATH, console_of, require_action
from stratus.local.console.context import ConsoleContext
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.pages import Page
from stratus.local.console.pages import _messaging as m
from stratus.local.sqs import peek as peeking
from stratus.local.sqs import redrive

PAGE_SIZE = 100  # queues per Region per list page (ListQueues MaxResults)
MESSAGES_PER_PAGE = 50
SOURCES_LIMIT = 1000  # ListDeadLetterSourceQueues' own maximum per call
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}(\.fifo)?")


@dataclass
class QueueRow:
    name: str
    region: str
    url: str
    arn: str
    fifo: bool
    visible: int
    in_flight: int
    delayed: int
    dlq: str | None  # the dead-letter queue's name
    max_receive: int | None
    sources: list[str] = field(default_factory=list)  # queues using this one as their DLQ


def _row(region: str, url: str, attributes: dict[str, str]) -> QueueRow:
    policy = _json(attributes.get("RedrivePolicy"))
    target = policy.get("deadLetterTargetArn")
    return QueueRow(
        name=url.rsplit("/", 1)[-1],
        region=region,
        url=url,
        arn=attributes.get("QueueArn", ""),
        fifo=attributes.get("FifoQueue") == "true",
        visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
        in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
        dlq=m.name_of_arn(target) if target else None,
        max_receive=int(policy["maxReceiveCount"]) if "maxReceiveCount" in policy else None,
    )


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _attributes(sqs: Any, url: str) -> dict[str, str]:
    found: dict[str, str] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get(
        "Attributes", {}
    )
    return found


@dataclass
class RegionQueues:
    region: str
    rows: list[QueueRow]
    next_token: str | None


def _list_region(console: ConsoleContext, region: str, token: str | None) -> RegionQueues:
    sqs = console.aws("sqs", region)
    kwargs: dict[str, Any] = {"MaxResults": PAGE_SIZE}
    if token:
        kwargs["NextToken"] = token
    listed = m.aws_call(sqs.list_queues, **kwargs)
    rows = []
    for url in listed.get("QueueUrls", []):
        try:
            rows.append(_row(region, url, _attributes(sqs, url)))
        except m.AWS_ERRORS:  # deleted between the list and the read: not listed
            continue
    by_arn = {row.arn: row for row in rows}
    for row in rows:
        if row.dlq is not None:
            target = by_arn.get(f"{row.arn.rsplit(':', 1)[0]}:{row.dlq}")
            if target is not None:
                target.sources.append(row.name)
    return RegionQueues(region, rows, listed.get("NextToken"))


def queue_list(request: Request) -> Response:
    console = console_of(request)
    return render(
        request,
        "queues/list.html",
        title="Queues",
        active="queues",
        **m.region_pages(request, console, _list_region),
    )


def _find(console: ConsoleContext, request: Request, name: str) -> tuple[str, str]:
    """(region, queue URL) of queue `name`: in `?region=`, else the first Region that has it."""
    for region in m.chosen_regions(request, console):
        sqs = console.aws("sqs", region)
        try:
            url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except m.AWS_ERRORS:
            continue
        return region, url
    raise ConsoleError(404, f"No queue named {name}.")


def _sources(sqs: Any, url: str) -> list[str]:
    listed = m.aws_call(sqs.list_dead_letter_source_queues, QueueUrl=url, MaxResults=SOURCES_LIMIT)
    return [u.rsplit("/", 1)[-1] for u in listed.get("queueUrls", [])]


def queue_detail(request: Request) -> Response:
    console = console_of(request)
    name = m.checked_name(request.path_params["name"], QUEUE_NAME, "queue")
    start = m.offset(request)
    region, url = _find(console, request, name)
    sqs = console.aws("sqs", region)
    attributes = m.aws_call(_attributes, sqs, url, missing="queue")
    row = _row(region, url, attributes)
    row.sources = _sources(sqs, url)
    try:
        peeked = peeking.peek(
            console.settings.account_id, region, name, offset=start, limit=MESSAGES_PER_PAGE
        )
    except peeking.QueueNotFound as exc:
        raise ConsoleError(404, f"No queue named {name}.") from exc
    return render(
        request,
        "queues/detail.html",
        title=name,
        active="queues",
        queue=row,
        attributes=sorted(attributes.items()),
        redrive_policy=_json(attributes.get("RedrivePolicy")),
        redrive_allow=_json(attributes.get("RedriveAllowPolicy")),
        peek=peeked,
        page_size=MESSAGES_PER_PAGE,
        region_query="" if region == console.settings.region else f"region={quote(region)}",
        notice=m.status_message(request),
    )


async def _form(request: Request) -> dict[str, str]:
    await require_action(request)
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _back(request: Request, name: str, region: str, message: str) -> Response:
    console = console_of(request)
    return m.back(
        f"{BASE_PATH}/queues/{quote(name)}",
        message,
        region=None if region == console.settings.region else region,
    )


def _redrive(console: ConsoleContext, request: Request, name: str, destination: str) -> Response:
    region, url = _find(console, request, name)
    sqs = console.aws("sqs", region)
    sources = _sources(sqs, url)
    if not sources:
        raise ConsoleError(400, f"{name} is no queue's dead-letter queue: nothing to redrive to.")
    if destination and destination not in sources:
        raise ConsoleError(400, f"{destination} is not a source queue of {name}.")

    def url_of(queue: str) -> str:
        return str(m.aws_call(sqs.get_queue_url, QueueName=queue, missing="queue")["QueueUrl"])

    # No destination: as SQS's redrive, each message back to the queue it came from.
    target = url_of(destination) if destination else None
    fallback = url_of(sources[0]) if len(sources) == 1 else None
    try:
        result = redrive.move_messages(sqs, url, target, fallback_url=fallback)
    except redrive.RedriveError as exc:
        raise ConsoleError(400, str(exc)) from exc
    where = destination or "each message's source queue"
    return _back(request, name, region, f"{result.summary()} Destination: {where}.")


async def queue_redrive(request: Request) -> Response:
    form = await _form(request)
    name = m.checked_name(request.path_params["name"], QUEUE_NAME, "queue")
    destination = form.get("destination", "")
    if destination:
        m.checked_name(destination, QUEUE_NAME, "queue")
    return await run_in_threadpool(_redrive, console_of(request), request, name, destination)


def _purge(console: ConsoleContext, request: Request, name: str) -> Response:
    region, url = _find(console, request, name)
    m.aws_call(console.aws("sqs", region).purge_queue, QueueUrl=url, missing="queue")
    return _back(request, name, region, f"Purged {name}.")


async def queue_purge(request: Request) -> Response:
    await _form(request)
    name = m.checked_name(request.path_params["name"], QUEUE_NAME, "queue")
    return await run_in_threadpool(_purge, console_of(request), request, name)


def routes(console: ConsoleContext) -> list[BaseRoute]:
    return [
        Route("/queues", queue_list, methods=["GET", "HEAD"]),
        Route("/queues/{name}", queue_detail, methods=["GET", "HEAD"]),
        Route("/queues/{name}/redrive", queue_redrive, methods=["POST"]),
        Route("/queues/{name}/purge", queue_purge, methods=["POST"]),
    ]


PAGE = Page("queues", "Queues", 40, routes)
