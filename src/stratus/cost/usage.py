"""The month's usage of each resource (what the flows derive, what the services price), and how
a profile's patterns name a resource."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TypeVar

from stratus.cost.inventory import Res, refs

T = TypeVar("T")
LAMBDA = "AWS::Lambda::Function"
APIS = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")
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
    api_metered: dict[str, float] = field(default_factory=dict)  # requests as billed (HTTP: 512 KB)
    api_fronted_by: dict[str, str] = field(default_factory=dict)  # API -> distribution in front
    invocations: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    duration_ms: dict[str, float] = field(default_factory=dict)
    edge_invocations: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    reads: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # item reads
    writes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    table_gb: dict[str, float] = field(default_factory=dict)
    messages: dict[str, float] = field(default_factory=dict)
    message_bytes: dict[str, float] = field(default_factory=dict)  # per message, when measured
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


def refs_of(value: object) -> set[str]:
    return refs(value)
