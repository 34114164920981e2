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
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, TypeVar

from stratus.cost.inventory import Inventory, Res
from stratus.cost.profile import ApiTraffic, CdnTraffic, CostOptions, TrafficProfile

T = TypeVar("T")
LAMBDA = "AWS::Lambda::Function"
MESSAGING = ("AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::Kinesis::Stream", "AWS::Events::EventBus")


def match(patterns: Mapping[str, T], res: Res) -> T | None:
    """The value of the first pattern naming `res` (exact names before globs), else `*`."""
    names = res.names()
    for pattern, value in patterns.items():
        if pattern in names:
            return value
    for pattern, value in patterns.items():
        if pattern != "*" and any(fnmatchcase(n, pattern) for n in names):
            return value
    return patterns.get("*")


@dataclass
class Workload:
    days: float
    factor: float  # growth factor of this month
    api_requests: dict[str, float] = field(default_factory=dict)
    api_cache_hits: dict[str, float] = field(default_factory=dict)
    api_bytes: dict[str, float] = field(default_factory=dict)
    invocations: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    duration_ms: dict[str, float] = field(default_factory=dict)
    edge_invocations: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    reads: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # item reads
    writes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    table_gb: dict[str, float] = field(default_factory=dict)
    messages: dict[str, float] = field(default_factory=dict)
    cdn_requests: dict[str, float] = field(default_factory=dict)
    cdn_bytes: dict[str, float] = field(default_factory=dict)
    cdn_hits: dict[str, float] = field(default_factory=dict)  # cache hit ratio per distribution
    direct_bytes: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # by origin
    direct_requests: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    bucket_gb: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    bucket_puts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    bucket_gets: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    internet_out_gb: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    emails: dict[str, float] = field(default_factory=dict)
    mau: dict[str, float] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)


def _dlq_ids(inv: Inventory) -> set[str]:
    """Queues that only receive failures: named as a dead-letter target or failure destination."""
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
    return dlqs


def refs_of(value: object) -> set[str]:
    from stratus.cost.inventory import refs

    return refs(value)


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
            "messages_per_day is given; dead-letter queues carry none."
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
    _buckets(inv, w, profile, users, days, factor, images)

    # --- CloudFront ------------------------------------------------------------------
    _distributions(inv, w, profile, options, days, factor)

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
    for table in tables:
        w.table_gb[table.key] = stored_items * profile.item_size_bytes / 1e9 / max(len(tables), 1)
    return w


def _route_weight(traffic: ApiTraffic, method: str, path: str) -> float:
    if not traffic.routes:
        return 1.0
    key = f"{method} {path}"
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


def _buckets(
    inv: Inventory,
    w: Workload,
    profile: TrafficProfile,
    users: float,
    days: float,
    factor: float,
    images: float,
) -> None:
    buckets = inv.of_type("AWS::S3::Bucket")
    if not buckets:
        return
    log_ids = set()
    for res in inv.of_type("AWS::S3::Bucket", "AWS::CloudFront::Distribution"):
        logging = res.props.get("LoggingConfiguration") or res.props.get(
            "DistributionConfig", {}
        ).get("Logging")
        log_ids |= {f"{res.stack}/{lid}" for lid in refs_of(logging)}
    data = [b for b in buckets if b.key not in log_ids] or buckets
    stored_gb = (profile.objects_per_user * users * profile.object_size_bytes) / 1e9
    uploads = profile.object_uploads_per_day * factor * days
    downloads = profile.object_downloads_per_day * factor * days
    for bucket in data:
        explicit = match(profile.buckets, bucket)
        if explicit is not None:
            w.bucket_gb[bucket.key] += explicit.stored_gb * factor
            w.bucket_puts[bucket.key] += explicit.puts_per_day * factor * days
            w.bucket_gets[bucket.key] += explicit.gets_per_day * factor * days
            continue
        w.bucket_gb[bucket.key] += stored_gb / len(data)
        w.bucket_puts[bucket.key] += uploads / len(data)
        w.bucket_gets[bucket.key] += downloads / len(data)
        w.internet_out_gb[bucket.key] += downloads * profile.object_size_bytes / 1e9 / len(data)
    w.assumptions.append(
        "Objects users keep (objects_per_user x users), uploads and downloads spread evenly over "
        "the buckets that are not log buckets, unless the profile names a bucket; downloads are "
        "pre-signed GETs straight to the internet."
    )


def _distributions(
    inv: Inventory,
    w: Workload,
    profile: TrafficProfile,
    options: CostOptions,
    days: float,
    factor: float,
) -> None:
    dists = inv.of_type("AWS::CloudFront::Distribution")
    if not dists:
        return
    for dist in dists:
        traffic = match(profile.distributions, dist) or CdnTraffic()
        page_requests = profile.page_views_per_day * profile.requests_per_page_view
        requests = traffic.requests_per_day
        if requests is None:
            requests = (
                page_requests + profile.bytes_served_per_day / profile.download_size_bytes
            ) / len(dists)
        size = traffic.bytes_per_day
        if size is None:
            size = (
                profile.page_views_per_day * profile.bytes_per_page_view
                + profile.bytes_served_per_day
            ) / len(dists)
        hit = (
            profile.cdn_cache_hit_ratio
            if traffic.cache_hit_ratio is None
            else traffic.cache_hit_ratio
        )
        month_requests, month_bytes = requests * factor * days, size * factor * days
        config = dist.props.get("DistributionConfig", {})
        origin = _default_origin(inv, dist, config)
        if options.cloudfront:
            w.cdn_requests[dist.key] = month_requests
            w.cdn_bytes[dist.key] = month_bytes
            w.cdn_hits[dist.key] = hit
            for assoc in config.get("DefaultCacheBehavior", {}).get(
                "LambdaFunctionAssociations", []
            ):
                fn = inv.function_of(dist.stack, assoc.get("LambdaFunctionARN"))
                if fn and str(assoc.get("EventType", "")).startswith("viewer"):
                    w.edge_invocations[f"{dist.stack}/{fn}"] += month_requests
                elif fn:
                    w.edge_invocations[f"{dist.stack}/{fn}"] += month_requests * (1 - hit)
            if origin is not None and origin.type == "AWS::S3::Bucket":
                w.bucket_gets[origin.key] += month_requests * (1 - hit)
        else:
            target = origin.key if origin is not None else dist.key
            w.direct_requests[target] += month_requests
            w.direct_bytes[target] += month_bytes
            w.internet_out_gb[target] += month_bytes / 1e9
            if origin is not None and origin.type == "AWS::S3::Bucket":
                w.bucket_gets[origin.key] += month_requests
    if options.cloudfront and profile.distributions:
        w.assumptions.append(
            "Distributions serve the requests and bytes the profile names; cache misses go to "
            "the default behaviour's origin; data from AWS origins to CloudFront is free."
        )
    elif options.cloudfront:
        w.assumptions.append(
            f"Distributions serve page views x {profile.requests_per_page_view:g} requests and the "
            "bytes served a day (split evenly over distributions unless the profile names one); "
            "cache misses go to the default behaviour's origin; data from AWS origins to "
            "CloudFront is free."
        )
    else:
        w.assumptions.append(
            "Without CloudFront every viewer request and byte is served by the distribution's "
            "default origin (S3 or the load balancer) straight to the internet."
        )


def _default_origin(inv: Inventory, dist: Res, config: dict[str, Any]) -> Res | None:
    behaviour = config.get("DefaultCacheBehavior", {})
    target = behaviour.get("TargetOriginId") if isinstance(behaviour, dict) else None
    for origin in config.get("Origins", []) if isinstance(config.get("Origins"), list) else []:
        if isinstance(origin, dict) and origin.get("Id") == target:
            for lid in sorted(refs_of(origin.get("DomainName"))):
                res = inv.get(dist.stack, lid)
                if res is not None and res.type in (
                    "AWS::S3::Bucket",
                    "AWS::ElasticLoadBalancingV2::LoadBalancer",
                ):
                    return res
    return None


def ceil_units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))
