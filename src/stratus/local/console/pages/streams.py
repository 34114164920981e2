"""Streams: every Kinesis data stream of the account in each Region of the deployment
(shards, retention, consumers, the event source mappings that read it) and the DynamoDB
streams with their mappings; one Kinesis stream's shards and consumers. All from the
Kinesis, DynamoDB Streams and Lambda APIs, as their AWS consoles show them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.pages import Page
from stratus.local.console.pages import _messaging as m

# https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html
STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,128}")
SHARDS_PER_PAGE = 100


@dataclass
class Mapping:
    uuid: str
    function: str
    state: str
    batch_size: int | None
    starting_position: str | None
    on_failure: str | None  # the destination's name (queue or topic)


@dataclass
class KinesisStream:
    name: str
    arn: str
    region: str
    status: str
    mode: str
    open_shards: int
    retention_hours: int
    consumers: list[str] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)


@dataclass
class TableStream:
    table: str
    arn: str
    label: str
    region: str
    mappings: list[Mapping] = field(default_factory=list)


def _mappings(console: ConsoleContext, region: str, source_arn: str) -> list[Mapping]:
    lam = console.aws("lambda", region)
    try:
        listed = lam.list_event_source_mappings(EventSourceArn=source_arn, MaxItems=100)
    except m.AWS_ERRORS:  # Lambda not emulated in that Region: no mappings to show
        return []
    found = []
    for item in listed.get("EventSourceMappings", []):
        failure = item.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        found.append(
            Mapping(
                uuid=item.get("UUID", ""),
                function=m.name_of_arn(item.get("FunctionArn", "")),
                state=item.get("State", ""),
                batch_size=item.get("BatchSize"),
                starting_position=item.get("StartingPosition"),
                on_failure=m.name_of_arn(failure) if failure else None,
            )
        )
    return found


def _kinesis(console: ConsoleContext, region: str, name: str) -> KinesisStream:
    kinesis = console.aws("kinesis", region)
    summary = m.aws_call(kinesis.describe_stream_summary, StreamName=name, missing="stream")[
        "StreamDescriptionSummary"
    ]
    arn = summary["StreamARN"]
    stream = KinesisStream(
        name=name,
        arn=arn,
        region=region,
        status=summary.get("StreamStatus", ""),
        mode=summary.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED"),
        open_shards=int(summary.get("OpenShardCount", 0)),
        retention_hours=int(summary.get("RetentionPeriodHours", 24)),
    )
    try:
        consumers = kinesis.list_stream_consumers(StreamARN=arn, MaxResults=100)
        stream.consumers = [c["ConsumerName"] for c in consumers.get("Consumers", [])]
    except m.AWS_ERRORS:  # no enhanced fan-out emulated: none listed
        stream.consumers = []
    stream.mappings = _mappings(console, region, arn)
    return stream


@dataclass
class RegionStreams:
    region: str
    streams: list[KinesisStream]
    tables: list[TableStream]
    next_token: str | None


def _list_region(console: ConsoleContext, region: str, token: str | None) -> RegionStreams:
    kinesis = console.aws("kinesis", region)
    kwargs: dict[str, Any] = {"NextToken": token} if token else {"Limit": 100}
    listed = m.aws_call(kinesis.list_streams, **kwargs)
    streams = []
    for name in listed.get("StreamNames", []):
        try:
            streams.append(_kinesis(console, region, name))
        except ConsoleError:  # deleted between the list and the read
            continue
    tables = []
    if not token:  # DynamoDB streams once, with the first page
        try:
            ddb = console.aws("dynamodbstreams", region).list_streams(Limit=100)
        except m.AWS_ERRORS:
            ddb = {}
        for item in ddb.get("Streams", []):
            table = TableStream(
                item.get("TableName", ""), item["StreamArn"], item.get("StreamLabel", ""), region
            )
            table.mappings = _mappings(console, region, table.arn)
            tables.append(table)
    more = listed.get("NextToken") if listed.get("HasMoreStreams") else None
    return RegionStreams(region, streams, tables, more)


def stream_list(request: Request) -> Response:
    console = console_of(request)
    return render(
        request,
        "streams/list.html",
        title="Streams",
        active="streams",
        **m.region_pages(request, console, _list_region),
    )


def stream_detail(request: Request) -> Response:
    console = console_of(request)
    name = m.checked_name(request.path_params["name"], STREAM_NAME, "stream")
    token = m.page_token(request)
    for region in m.chosen_regions(request, console):
        try:
            stream = _kinesis(console, region, name)
        except ConsoleError as exc:
            if exc.status == 404:
                continue
            raise
        kinesis = console.aws("kinesis", region)
        kwargs: dict[str, Any] = ({"NextToken": token} if token else {"StreamARN": stream.arn}) | {
            "MaxResults": SHARDS_PER_PAGE
        }
        shards = m.aws_call(kinesis.list_shards, **kwargs)
        return render(
            request,
            "streams/detail.html",
            title=name,
            active="streams",
            stream=stream,
            shards=shards.get("Shards", []),
            next_token=shards.get("NextToken"),
            region_query="" if region == console.settings.region else f"region={quote(region)}",
        )
    raise ConsoleError(404, f"No stream named {name}.")


def routes(console: ConsoleContext) -> list[BaseRoute]:
    return [
        Route("/streams", stream_list, methods=["GET", "HEAD"]),
        Route("/streams/{name}", stream_detail, methods=["GET", "HEAD"]),
    ]


PAGE = Page("streams", "Streams", 42, routes)
