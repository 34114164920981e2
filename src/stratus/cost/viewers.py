"""What viewers and uploads bring: objects in buckets, and distributions' requests and bytes
(with their cache misses sent to the default behaviour's origin, or, without CloudFront,
served by that origin straight to the internet)."""

from __future__ import annotations

from typing import Any

from stratus.cost.inventory import Inventory, Res
from stratus.cost.profile import CdnTraffic, CostOptions, TrafficProfile
from stratus.cost.usage import APIS, Workload, match, refs_of


def buckets(
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


def distributions(
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
        for api_origin in config.get("Origins", []) if options.cloudfront else []:
            domain = api_origin.get("DomainName") if isinstance(api_origin, dict) else None
            for lid in refs_of(domain):
                api = inv.get(dist.stack, lid)
                if api is not None and api.type in APIS:
                    w.api_fronted_by[api.key] = dist.key
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
    if w.api_fronted_by:
        w.assumptions.append(
            "An API that is a distribution's origin is reached through it: its requests and "
            "response bytes are billed as the distribution's too, and reach CloudFront free."
        )
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
