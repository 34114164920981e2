"""`stratus cost --from-local`: the traffic the local cloud measured, as a traffic profile.

The running cloud serves its usage totals at `GET /_stratus/usage` (stratus.local.usage):
REST and HTTP API requests per route and bytes sent, Lambda invocations and billed
milliseconds per function, DynamoDB reads and writes with their item bytes, S3 requests and
bytes, e-mails, CloudFront requests and bytes, Kinesis records and bytes per stream, and
queue/topic/bus requests, since a start time. They become a `TrafficProfile`
per day, two ways (said in the profile's description, so every estimate prints it):

- by time (default): the counts over the window's length extrapolated to 24 hours, times
  `scale` (`--scale N`: "N times what this machine saw, all day long");
- by users (`--users N`): the counts are one user's day (what you did while it recorded),
  times N users, who are also the user pools' monthly active users.

Resources are named `Stack/LogicalId` (the usage service reads both from the deployment;
two stacks reusing a logical id never collide), so the profile prices exactly the resources
that were used: every measured function's invocations replace what the model's flows
derive (event-driven ones included), every measured stream carries its records; APIs the
window did not touch get no traffic. Hand-written: it maps our own two formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from stratus.cost.profile import (
    ApiTraffic,
    BucketTraffic,
    CdnTraffic,
    FunctionTraffic,
    TrafficProfile,
)
from stratus.local.core.endpoints import NotRunningError, aws_endpoint

USAGE_PATH = "/_stratus/usage"
DAY_SECONDS = 86_400.0
MIN_WINDOW_SECONDS = 60.0  # a shorter window is read as one minute (no 1-second blow-ups)


class LocalUsageError(RuntimeError):
    """No running local cloud, or it did not answer its usage (the message says which)."""


def fetch_usage(state_dir: Path, timeout: float = 10.0) -> dict[str, Any]:
    """The usage totals of the cloud running with `state_dir`."""
    try:
        endpoint = aws_endpoint(state_dir)
    except NotRunningError as exc:
        raise LocalUsageError(f"{exc}; start it with `stratus up`, use it, then ask") from None
    try:
        answer = httpx.get(f"{endpoint}{USAGE_PATH}", timeout=timeout)
    except httpx.HTTPError as exc:
        raise LocalUsageError(f"the local cloud at {endpoint} is not answering: {exc}") from None
    if answer.status_code != 200:
        raise LocalUsageError(
            f"the local cloud at {endpoint} has no usage totals ({answer.status_code}); "
            "is it a stratus up of this version?"
        )
    data = answer.json()
    if not isinstance(data, dict):
        raise LocalUsageError(f"the local cloud at {endpoint} answered usage that is not an object")
    return data


def _entries(usage: Mapping[str, Any], category: str) -> list[dict[str, Any]]:
    found = usage.get(category)
    return [e for e in found.values() if isinstance(e, dict)] if isinstance(found, dict) else []


def _name(entry: Mapping[str, Any], *fields: str) -> str:
    """The profile pattern for an entry: `Stack/LogicalId` of its template resource (a logical
    id alone when the stack is unknown), else the name it was seen by."""
    stack, logical_id = entry.get("stack"), entry.get("logical_id")
    if isinstance(stack, str) and stack and isinstance(logical_id, str) and logical_id:
        return f"{stack}/{logical_id}"
    for field in ("logical_id", *fields):
        value = entry.get(field)
        if isinstance(value, str) and value:
            return value
    return "?"


def _num(entry: Mapping[str, Any], field: str) -> float:
    value = entry.get(field, 0)
    return float(value) if isinstance(value, int | float) else 0.0


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s"


def profile_from_usage(
    usage: Mapping[str, Any], *, scale: float = 1.0, users: int | None = None
) -> tuple[TrafficProfile, list[str]]:
    """The measured usage as a per-day profile, and the assumptions that conversion makes."""
    if scale <= 0:
        raise ValueError("scale must be a positive number")
    if users is not None and users < 1:
        raise ValueError("users must be at least 1")
    seconds = max(_num(usage, "seconds"), 0.0)
    if users is not None:
        factor = float(users)
        scaling = (
            f"the {_duration(seconds)} recorded are taken as one user's day, times {users:,} users"
        )
    else:
        window = max(seconds, MIN_WINDOW_SECONDS)
        factor = scale * DAY_SECONDS / window
        scaling = (
            f"the {_duration(seconds)} recorded are extrapolated to 24 hours"
            + (f" and multiplied by {scale:g}" if scale != 1 else "")
            + f" (x{factor:,.4g})"
        )
    notes = [f"Traffic measured on the local cloud: {scaling}."]

    apis: dict[str, ApiTraffic] = {"*": ApiTraffic()}
    routes_of: dict[str, dict[str, float]] = {}
    for route in _entries(usage, "routes"):
        api = _name(route, "name", "api_id")
        routes_of.setdefault(api, {})[str(route.get("route"))] = _num(route, "requests")
    total_requests = http_requests = http_metered = 0.0
    for entry in _entries(usage, "apis"):
        if entry.get("kind") == "HTTP":
            http_requests += _num(entry, "requests")
            http_metered += _num(entry, "metered_requests")
        api = _name(entry, "name", "api_id")
        requests = _num(entry, "requests")
        total_requests += requests
        if requests <= 0:
            continue
        previous = apis.get(api)
        apis[api] = ApiTraffic(
            requests_per_day=requests * factor + (previous.requests_per_day if previous else 0),
            routes=routes_of.get(api, {}),
            response_bytes=int(_num(entry, "bytes_out") / requests),
            request_bytes=int(_num(entry, "bytes_in") / requests),
        )

    tables = _entries(usage, "tables")
    reads, writes = sum(_num(t, "reads") for t in tables), sum(_num(t, "writes") for t in tables)
    found = usage.get("dax")
    dax: Mapping[str, Any] = found if isinstance(found, dict) else {}
    dax_hits, dax_lookups = _num(dax, "hits"), _num(dax, "lookups")
    reads += dax_hits  # DAX's hits are reads the application made that DynamoDB never saw
    item_bytes = sum(_num(t, "read_bytes") + _num(t, "write_bytes") for t in tables)
    db_ops = reads + writes

    functions = _entries(usage, "functions")
    measured_functions: dict[str, FunctionTraffic] = {}
    for entry in functions:
        count = _num(entry, "invocations")
        if count > 0:
            measured_functions[_name(entry, "name")] = FunctionTraffic(
                invocations_per_day=count * factor,
                duration_ms=max(_num(entry, "billed_ms") / count, 1.0),
            )
    invocations = sum(_num(f, "invocations") for f in functions)
    billed = sum(_num(f, "billed_ms") for f in functions)
    channels: dict[str, float] = {}
    channel_bytes: dict[str, int] = {}
    records = payload_units = 0.0
    for entry in _entries(usage, "streams"):
        count = _num(entry, "records")
        payload_units += _num(entry, "payload_units")
        if count > 0:
            channels[_name(entry, "name")] = count * factor
            channel_bytes[_name(entry, "name")] = int(_num(entry, "bytes_in") / count)
            records += count

    buckets: dict[str, BucketTraffic] = {"*": BucketTraffic()}
    put_bytes = puts = 0.0
    for entry in _entries(usage, "buckets"):
        buckets[_name(entry, "name")] = BucketTraffic(
            puts_per_day=_num(entry, "put_requests") * factor,
            gets_per_day=_num(entry, "get_requests") * factor,
        )
        puts += _num(entry, "put_requests")
        put_bytes += _num(entry, "bytes_in")
    distributions: dict[str, CdnTraffic] = {"*": CdnTraffic(requests_per_day=0, bytes_per_day=0)}
    for entry in _entries(usage, "distributions"):
        distributions[_name(entry, "id")] = CdnTraffic(
            requests_per_day=_num(entry, "requests") * factor,
            bytes_per_day=_num(entry, "bytes_out") * factor,
        )
    recipients = sum(_num(e, "recipients") for e in _entries(usage, "email"))
    messages = _messages_per_channel(_entries(usage, "messaging"))

    profile = TrafficProfile(
        name="local-usage",
        description=f"measured on the local cloud; {scaling}",
        users=users or 0,
        apis=apis,
        read_write_ratio=reads / writes if writes else (reads or 4.0),
        db_ops_per_request=db_ops / total_requests if total_requests else 1.0,
        item_size_bytes=max(1, int(item_bytes / db_ops)) if db_ops else 1024,
        dax_hit_ratio=dax_hits / dax_lookups if dax_lookups else 0.8,
        lambda_duration_ms=billed / invocations if invocations else 120.0,
        functions=measured_functions,
        channels=channels,
        channel_bytes=channel_bytes,
        object_size_bytes=int(put_bytes / puts) if puts else 100_000,
        buckets=buckets,
        distributions=distributions,
        page_views_per_day=0,
        bytes_served_per_day=0,
        images_per_day=0,
        emails_per_day=recipients * factor,
        messages_per_day=messages * factor,
    )
    notes.append(
        f"Measured: {total_requests:g} API requests, {invocations:g} Lambda invocations "
        f"({billed:g} billed ms), {reads:g} DynamoDB reads and {writes:g} writes "
        f"({item_bytes / db_ops if db_ops else 0:,.0f} bytes each on average), "
        f"{recipients:g} e-mails, {records:g} Kinesis records; APIs not used while recording "
        "get no traffic."
    )
    if measured_functions:
        notes.append(
            f"{len(measured_functions)} functions carry their measured invocations and billed "
            "durations (event-driven ones too); functions not invoked while recording follow "
            "the model's flows from the measured traffic."
        )
    if http_requests:
        notes.append(
            f"HTTP API requests: {http_requests:g} measured, metered as {http_metered:g} "
            "(512 KB increments); priced from each API's mean request and response sizes."
        )
    if records:
        notes.append(
            f"Kinesis: {records:g} records measured as {payload_units:g} PUT payload units "
            "(25 KB each); priced from each stream's mean record size."
        )
    if users is None:
        notes.append(
            "Cognito monthly active users are not measured: none are priced (pass --users N)."
        )
    notes.append(
        "Stored data (items, objects) is not measured: storage is priced from the profile's "
        "defaults."
    )
    if dax_lookups:
        notes.append(
            f"DAX answered {dax_hits:g} of {dax_lookups:g} lookups from its cache "
            f"(hit ratio {dax_hits / dax_lookups:.0%}); those reads are counted as the "
            "application's reads, which DAX answers at that ratio."
        )
    return profile, notes


def _messages_per_channel(entries: list[dict[str, Any]]) -> float:
    """Messages a channel carries, from the billed requests: SNS publishes and EventBridge
    events count one each; an SQS message takes three requests (send, receive, delete)."""
    counts = []
    for entry in entries:
        billed = _num(entry, "billed_requests")
        counts.append(billed / 3 if entry.get("service") == "sqs" else billed)
    counts = [c for c in counts if c > 0]
    return sum(counts) / len(counts) if counts else 0.0


@dataclass(frozen=True)
class LocalTraffic:
    """What `stratus cost --from-local` prices: the profile, the notes its conversion adds to
    the assumptions, and the running cloud's own templates (the ones its usage names)."""

    profile: TrafficProfile
    notes: list[str]
    cdk_out: Path


def running_state_dir(state_dir: Path | None = None) -> Path:
    """`--state-dir`, else the project's (as `stratus down` and `stratus events` find it)."""
    if state_dir is not None:
        return state_dir.resolve()
    from stratus.cli.up import project_root
    from stratus.local.core.settings import LocalSettings

    return LocalSettings.for_project(project_root()).state_dir


def from_local_traffic(
    state_dir: Path | None = None, *, scale: float = 1.0, users: int | None = None
) -> LocalTraffic:
    """The running cloud's usage as a profile (LocalUsageError: no cloud, or bad scaling)."""
    where = running_state_dir(state_dir)
    try:
        profile, notes = profile_from_usage(fetch_usage(where), scale=scale, users=users)
    except ValueError as exc:
        raise LocalUsageError(str(exc)) from None
    return LocalTraffic(profile, notes, where / "cdk.out")
