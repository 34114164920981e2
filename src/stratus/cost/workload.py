"""A profile turned into each resource's monthly usage, following the template's own links.

Traffic enters at the edges a user sees (APIs, distributions, uploads, sign-ins, e-mails) and
flows along what the CDK app wired: an API method's Lambda proxy target is invoked once per
request the API cache does not answer; a function's database reads and writes land on the
tables of its stack; each write sends `messages_per_write` events through the stage's queues,
topics, streams and buses, and every function mapped to one of those is invoked per message.
Hand-written because no library models a bill from CloudFormation; every simplification is
returned as a plain sentence among the estimate's assumptions.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from fnmatch import fnmatchcase

from stratus.cost.inventory import Inventory, Res
from stratus.cost.profile import ApiTraffic, CostOptions, TrafficProfile
from stratus.cost.usage import LAMBDA, MESSAGING, Workload, match, refs_of
from stratus.cost.viewers import buckets, distributions

__all__ = ["Workload", "api_cache_size", "build", "dax_clusters", "match"]


def _dlq_ids(inv: Inventory) -> set[str]:
    """Channels that carry no traffic of the profile: dead-letter targets, failure destinations
    and the topics alarms notify."""
    dlqs: set[str] = set()
    for res in inv.of_type("AWS::SQS::Queue"):
        target = res.props.get("RedrivePolicy", {})
        dlqs |= {f"{res.stack}/{lid}" for lid in refs_of(target)}
    for res in inv.of_type("AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"):
        dest = res.props.get("DestinationConfig", {})
        dlqs |= {f"{res.stack}/{lid}" for lid in refs_of(dest)}
    for res in inv.of_type("AWS::Lambda::Function"):
        dlqs |= {f"{res.stack}/{lid}" for lid in refs_of(res.props.get("DeadLetterConfig", {}))}
    for res in inv.of_type("AWS::SNS::Subscription"):
        dlqs |= {f"{res.stack}/{lid}" for lid in refs_of(res.props.get("RedrivePolicy", {}))}
    for alarm in inv.of_type("AWS::CloudWatch::Alarm"):  # alarm topics: state changes only
        actions = [
            alarm.props.get(k) for k in ("AlarmActions", "OKActions", "InsufficientDataActions")
        ]
        dlqs |= {f"{alarm.stack}/{lid}" for lid in refs_of(actions)}
    return dlqs


def _schedule_per_day(expression: str) -> float:
    """Invocations a day of `rate(...)` / `cron(...)` (cron: once a day per listed time)."""
    rate = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expression.strip())
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        per_day = {"minute": 1440.0, "hour": 24.0, "day": 1.0}[unit.rstrip("s")]
        return per_day / max(value, 1)
    return 1.0


def build(
    inv: Inventory, profile: TrafficProfile, options: CostOptions, days: float, factor: float
) -> Workload:
    w = Workload(days=days, factor=factor)
    users = profile.users * factor
    say = w.assumptions.append
    reads_share = profile.read_write_ratio / (profile.read_write_ratio + 1)

    # --- APIs -> functions ---------------------------------------------------------
    writes_per_stack: dict[str, float] = defaultdict(float)
    for api in inv.of_type("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        traffic = match(profile.apis, api) or ApiTraffic()
        per_day = (
            traffic.requests_per_day + traffic.requests_per_user_per_day * profile.users
        ) * factor
        month = per_day * days
        w.api_requests[api.key] = month
        w.api_bytes[api.key] = month * traffic.response_bytes
        w.api_metered[api.key] = month * _metered_per_request(api, traffic)
        cached = api_cache_size(inv, api, options) is not None
        hits = month * traffic.cache_hit_ratio if cached else 0.0
        w.api_cache_hits[api.key] = hits
        routes = [r for r in inv.api_routes(api) if r.function]
        if not routes or month == 0:
            continue
        weights = [_route_weight(traffic, r.method, r.path) for r in routes]
        total = sum(weights) or 1.0
        backend = month - hits
        route_reads = 0.0
        for route, weight in zip(routes, weights, strict=True):
            share = backend * weight / total
            w.invocations[f"{api.stack}/{route.function}"] += share
            if route.method in ("GET", "HEAD"):
                route_reads += share
        if traffic.routes:
            reads = route_reads * profile.db_ops_per_request
            writes = (backend - route_reads) * profile.db_ops_per_request
        else:
            reads = backend * profile.db_ops_per_request * reads_share
            writes = backend * profile.db_ops_per_request * (1 - reads_share)
        _spread_db(inv, w, api.stack, reads, writes, profile, options)
        writes_per_stack[api.stack] += writes
    if profile.apis:
        say(
            "Each API request that the API cache does not answer invokes its route's Lambda "
            "function once; routes share an API's requests by the profile's route mix, or alike."
        )

    # --- Events: writes -> messages through queues, topics, streams, buses -----------
    dlqs = _dlq_ids(inv)
    total_writes = sum(writes_per_stack.values())
    per_message = (
        profile.messages_per_day * factor * days
        if profile.messages_per_day is not None
        else total_writes * profile.messages_per_write
    )
    for res in inv.of_type(*MESSAGING):
        w.messages[res.key] = 0.0 if res.key in dlqs else per_message
    if inv.of_type(*MESSAGING):
        say(
            "Every message channel (queue, topic, stream, bus) carries one message per database "
            f"write times messages_per_write ({profile.messages_per_write:g}) unless "
            "messages_per_day is given; dead-letter queues and alarm topics carry none."
        )
    for esm in inv.of_type("AWS::Lambda::EventSourceMapping"):
        fn = inv.function_of(esm.stack, esm.props.get("FunctionName"))
        source = next(
            (f"{esm.stack}/{lid}" for lid in refs_of(esm.props.get("EventSourceArn"))), ""
        )
        count = w.messages.get(source)
        if count is None:  # a DynamoDB stream: one record per write of the table
            table = inv.by_key.get(source)
            count = w.writes.get(source, 0.0) if table else 0.0
        if fn:
            batch = 1.0
            w.invocations[f"{esm.stack}/{fn}"] += count / batch
            _spread_db(inv, w, esm.stack, 0.0, count * profile.db_ops_per_request, profile, options)
    for rule in inv.of_type("AWS::Events::Rule"):
        targets = [
            inv.function_of(rule.stack, t.get("Arn"))
            for t in rule.props.get("Targets", [])
            if isinstance(t, dict)
        ]
        schedule = rule.props.get("ScheduleExpression")
        count = _schedule_per_day(str(schedule)) * days if schedule else per_message
        for fn in targets:
            if fn:
                w.invocations[f"{rule.stack}/{fn}"] += count
    for sub in inv.of_type("AWS::SNS::Subscription"):
        if sub.props.get("Protocol") == "lambda":
            fn = inv.function_of(sub.stack, sub.props.get("Endpoint"))
            if fn:
                w.invocations[f"{sub.stack}/{fn}"] += per_message

    # --- S3 uploads -> functions and objects ----------------------------------------
    images = profile.images_per_day * factor * days
    for note in inv.of_type("Custom::S3BucketNotifications"):
        config = note.props.get("NotificationConfiguration", {})
        bucket = next(iter(refs_of(note.props.get("BucketName"))), "")
        for entry in config.get("LambdaFunctionConfigurations", []):
            fn = inv.function_of(note.stack, entry.get("LambdaFunctionArn"))
            if fn and images:
                w.invocations[f"{note.stack}/{fn}"] += images
                w.bucket_puts[f"{note.stack}/{bucket}"] += images * (1 + profile.image_variants)
                w.bucket_gets[f"{note.stack}/{bucket}"] += images
                w.bucket_gb[f"{note.stack}/{bucket}"] += (
                    images * (1 + profile.image_variants) * profile.image_bytes / 1e9
                )
    if images:
        say(
            f"{profile.images_per_day:g} uploads a day land in each bucket that notifies a "
            f"function; each is read once and written as {profile.image_variants} variants "
            "(stored: one month of uploads and variants)."
        )
    buckets(inv, w, profile, users, days, factor, images)

    # --- CloudFront ------------------------------------------------------------------
    distributions(inv, w, profile, options, days, factor)

    # --- Durations, e-mail, users ------------------------------------------------------
    for func in inv.of_type(LAMBDA):
        w.duration_ms[func.key] = float(
            match(profile.function_durations_ms, func) or profile.lambda_duration_ms
        )
    identities = inv.of_type("AWS::SES::EmailIdentity")
    for ident in identities:
        w.emails[ident.key] = profile.emails_per_day * factor * days / len(identities)
    for pool in inv.of_type("AWS::Cognito::UserPool"):
        explicit = match(profile.user_pools, pool)
        w.mau[pool.key] = (profile.users if explicit is None else explicit) * factor
    stored_items = profile.stored_items + profile.items_per_user * users
    tables = inv.of_type("AWS::DynamoDB::Table")
    spread = [t for t in tables if _table_storage(profile, t) is None] or tables
    for table in spread:
        w.table_gb[table.key] = stored_items * profile.item_size_bytes / 1e9 / len(spread)
    _measured(inv, w, profile, days, factor)
    return w


# HTTP API requests are metered in 512 KB increments (https://aws.amazon.com/api-gateway/pricing/);
# REST API requests are billed one each whatever their size.
HTTP_METER_BYTES = 512 * 1024


def _metered_per_request(api: Res, traffic: ApiTraffic) -> float:
    """The requests one call bills as: one, or for HTTP APIs one per 512 KB started of the
    larger of its request and response (the page does not say which; the larger errs high)."""
    if api.type != "AWS::ApiGatewayV2::Api":
        return 1.0
    size = max(traffic.request_bytes, traffic.response_bytes)
    return float(max(1, math.ceil(size / HTTP_METER_BYTES)))


def _table_storage(profile: TrafficProfile, table: Res) -> float | None:
    measured = match(profile.tables, table) if profile.tables else None
    return None if measured is None else measured.stored_gb


def _measured(
    inv: Inventory, w: Workload, profile: TrafficProfile, days: float, factor: float
) -> None:
    """Counts the profile gives per resource (e.g. measured locally) replace the derived ones."""
    scale = days * factor
    for func in inv.of_type(LAMBDA) if profile.functions else []:
        traffic = match(profile.functions, func)
        if traffic is not None:
            w.invocations[func.key] = traffic.invocations_per_day * scale
            if traffic.duration_ms is not None:
                w.duration_ms[func.key] = traffic.duration_ms
    for table in inv.of_type("AWS::DynamoDB::Table") if profile.tables else []:
        measured = match(profile.tables, table)
        if measured is not None:
            if measured.reads_per_day is not None:
                w.reads[table.key] = measured.reads_per_day * scale
            if measured.writes_per_day is not None:
                w.writes[table.key] = measured.writes_per_day * scale
            if measured.stored_gb is not None:
                w.table_gb[table.key] = measured.stored_gb * factor
    for channel in inv.of_type(*MESSAGING) if profile.channels else []:
        count = match(profile.channels, channel)
        if count is not None:
            w.messages[channel.key] = count * scale
    for channel in inv.of_type(*MESSAGING) if profile.channel_bytes else []:
        size = match(profile.channel_bytes, channel)
        if size is not None:
            w.message_bytes[channel.key] = float(size)
    if profile.functions or profile.tables or profile.channels:
        w.assumptions.append(
            "Functions, tables and message channels the profile names per resource carry "
            "exactly those counts (measured traffic), not the derived flows."
        )


def _route_weight(traffic: ApiTraffic, method: str, path: str) -> float:
    if not traffic.routes:
        return 1.0
    # An HTTP API's catch-all route is named by its route key alone, as the gateway names it.
    key = method if method == "$default" else f"{method} {path}"
    for pattern, weight in traffic.routes.items():
        if fnmatchcase(key, pattern):
            return weight
    return 0.0


def _spread_db(
    inv: Inventory,
    w: Workload,
    stack: str,
    reads: float,
    writes: float,
    profile: TrafficProfile,
    options: CostOptions,
) -> None:
    """A stack's reads and writes spread evenly over its tables (DAX answers its hit share)."""
    tables = inv.in_stack(stack, "AWS::DynamoDB::Table")
    if not tables:
        return
    dax = dax_clusters(inv, options, stack)
    if dax:
        reads *= 1 - profile.dax_hit_ratio
    for table in tables:
        w.reads[table.key] += reads / len(tables)
        w.writes[table.key] += writes / len(tables)


def dax_clusters(inv: Inventory, options: CostOptions, stack: str | None = None) -> list[Res]:
    if options.dax is False:
        return []
    found = inv.of_type("AWS::DAX::Cluster")
    return [c for c in found if stack is None or c.stack == stack]


def api_cache_size(inv: Inventory, api: Res, options: CostOptions) -> str | None:
    """The API's cache size in GB as API Gateway names it, or None without a cache."""
    if options.api_cache_size is not None:
        return None if options.api_cache_size == "off" else options.api_cache_size
    for stage in inv.in_stack(api.stack, "AWS::ApiGateway::Stage"):
        if stage.props.get("RestApiId", {}).get("Ref") == api.logical_id and stage.props.get(
            "CacheClusterEnabled"
        ):
            return str(stage.props.get("CacheClusterSize", "0.5"))
    return None
