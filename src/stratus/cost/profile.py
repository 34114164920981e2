"""The traffic profile: what a stage is expected to serve, and the pricing options.

A profile is plain data (JSON or YAML) validated by pydantic, so a bad file is answered with
the field and the reason, never a traceback. Resources are matched by patterns (`fnmatch`
globs) against a resource's logical id, its name in the template, its stack's name and
`Stack/LogicalId` (which two stacks reusing a logical id never share); the key `*` matches
what no other key matched. Quantities are per day unless named otherwise;
`users` are monthly active users (what Cognito bills).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError

from stratus.cost.geo import GEOGRAPHIES


class ProfileError(ValueError):
    """A traffic file that cannot be read or does not describe a valid profile."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiTraffic(_Strict):
    """Requests to one API (REST or HTTP) a day."""

    requests_per_day: float = Field(default=0, ge=0)
    requests_per_user_per_day: float = Field(default=0, ge=0, description="times `users`")
    routes: dict[str, float] = Field(
        default_factory=dict,
        description='route mix: "GET /todos" (globs allowed) -> weight; default: every route alike',
    )
    cache_hit_ratio: float = Field(default=0.0, ge=0, le=1, description="API Gateway cache hits")
    response_bytes: int = Field(default=2048, ge=0)
    request_bytes: int = Field(
        default=0, ge=0, description="HTTP APIs meter each request per 512 KB of payload"
    )


class CdnTraffic(_Strict):
    """Viewer traffic of one CloudFront distribution a day."""

    requests_per_day: float | None = Field(default=None, ge=0)
    bytes_per_day: float | None = Field(default=None, ge=0)
    cache_hit_ratio: float | None = Field(default=None, ge=0, le=1)


class BucketTraffic(_Strict):
    stored_gb: float = Field(default=0, ge=0)
    puts_per_day: float = Field(default=0, ge=0)
    gets_per_day: float = Field(default=0, ge=0)


class FunctionTraffic(_Strict):
    """Measured invocations of one function (replaces what the flows derive)."""

    invocations_per_day: float = Field(default=0, ge=0)
    duration_ms: float | None = Field(default=None, gt=0)


class TableTraffic(_Strict):
    """Measured item reads, writes or storage of one table; each given field replaces what the
    flows derive (storage given here is taken out of the even spread over the other tables)."""

    reads_per_day: float | None = Field(default=None, ge=0)
    writes_per_day: float | None = Field(default=None, ge=0)
    stored_gb: float | None = Field(default=None, ge=0)


class CostOptions(_Strict):
    """Pricing choices; None keeps what the templates declare."""

    dynamodb_mode: Literal["on_demand", "provisioned"] | None = None
    dax: bool | None = None
    api_cache_size: str | None = Field(
        default=None, description='"off" or a size in GB: 0.5, 1.6, 6.1 ...'
    )
    cloudfront: bool = Field(default=True, description="False: origins serve viewers directly")
    cloudfront_price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] | None = (
        None
    )
    lambda_memory_mb: int | None = Field(default=None, ge=128, le=10240)
    lambda_architecture: Literal["x86_64", "arm64"] | None = None
    free_tier: bool = Field(
        default=False, description="apply AWS free tiers (off: the steady-state bill)"
    )
    ses_plan: Literal["per_use", "essentials"] = Field(
        default="per_use",
        description="SES pricing: per use ($0.10 per 1,000), or the Essentials plan's tiers "
        "(new accounts' default since 2026-07-21)",
    )


class TrafficProfile(_Strict):
    name: str = "custom"
    description: str = ""
    users: int = Field(default=0, ge=0, description="monthly active users of every user pool")
    user_pools: dict[str, int] = Field(default_factory=dict, description="MAU per pool pattern")
    apis: dict[str, ApiTraffic] = Field(default_factory=dict)
    read_write_ratio: float = Field(default=4.0, ge=0, description="database reads per write")
    db_ops_per_request: float = Field(default=1.0, ge=0)
    item_size_bytes: int = Field(default=1024, ge=1)
    stored_items: float = Field(default=0, ge=0)
    items_per_user: float = Field(default=0, ge=0)
    dax_hit_ratio: float = Field(default=0.8, ge=0, le=1)
    peak_to_average: float = Field(default=3.0, ge=1, description="provisioned capacity sizing")
    object_size_bytes: int = Field(default=100_000, ge=0)
    objects_per_user: float = Field(default=0, ge=0, description="objects each user keeps stored")
    object_uploads_per_day: float = Field(default=0, ge=0)
    object_downloads_per_day: float = Field(default=0, ge=0)
    buckets: dict[str, BucketTraffic] = Field(default_factory=dict)
    functions: dict[str, FunctionTraffic] = Field(
        default_factory=dict, description="measured invocations per function pattern"
    )
    tables: dict[str, TableTraffic] = Field(
        default_factory=dict, description="measured reads and writes per table pattern"
    )
    channels: dict[str, float] = Field(
        default_factory=dict, description="messages a day per queue/topic/stream/bus pattern"
    )
    channel_bytes: dict[str, NonNegativeInt] = Field(
        default_factory=dict,
        description="bytes per message per channel pattern (default: item_size_bytes)",
    )
    images_per_day: float = Field(
        default=0, ge=0, description="uploads that trigger S3 event functions"
    )
    image_bytes: int = Field(default=2_000_000, ge=0)
    image_variants: int = Field(default=3, ge=0, description="objects written per image processed")
    emails_per_day: float = Field(default=0, ge=0)
    page_views_per_day: float = Field(default=0, ge=0)
    requests_per_page_view: float = Field(default=5, ge=0)
    bytes_per_page_view: int = Field(default=500_000, ge=0)
    bytes_served_per_day: float = Field(default=0, ge=0, description="downloads beside page views")
    download_size_bytes: int = Field(default=50_000_000, ge=1)
    cdn_cache_hit_ratio: float = Field(default=0.9, ge=0, le=1)
    distributions: dict[str, CdnTraffic] = Field(default_factory=dict)
    invalidation_paths_per_month: float = Field(default=0, ge=0, description="per distribution")
    viewer_mix: dict[str, float] = Field(default_factory=lambda: {"united_states": 1.0})
    messages_per_write: float = Field(default=1.0, ge=0, description="events each write sends on")
    messages_per_day: float | None = Field(default=None, ge=0)
    lambda_duration_ms: float = Field(default=120, gt=0)
    function_durations_ms: dict[str, float] = Field(default_factory=dict)
    log_bytes_per_invocation: int = Field(default=1000, ge=0)
    database_storage_gb: float = Field(default=1, ge=0)
    growth_per_month: float = Field(default=0, ge=-0.99, le=10, description="0.1 = +10% a month")
    months: int = Field(default=1, ge=1, le=120)
    options: CostOptions = Field(default_factory=CostOptions)

    def model_post_init(self, context: Any, /) -> None:
        unknown = sorted(set(self.viewer_mix) - set(GEOGRAPHIES))
        if unknown:
            raise ValueError(
                f"viewer_mix: unknown geographies {unknown}; use {sorted(GEOGRAPHIES)}"
            )


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def parse_profile(data: Any, origin: str = "profile") -> TrafficProfile:
    if not isinstance(data, dict):
        raise ProfileError(
            f"{origin}: a traffic profile is a mapping of fields, got {type(data).__name__}"
        )
    try:
        return TrafficProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{origin}: invalid traffic profile\n{_describe(exc)}") from None
    except ValueError as exc:
        raise ProfileError(f"{origin}: {exc}") from None


def load_profile(path: Path) -> TrafficProfile:
    """A profile from a JSON or YAML file (by suffix; JSON is YAML, so anything else is YAML)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read traffic file {path}: {exc}") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ProfileError(f"{path}: not valid JSON: {exc}") from None
    else:
        data = _yaml(path, text)
    return parse_profile(data, str(path))


def _yaml(path: Path, text: str) -> Any:
    try:
        import yaml  # PyYAML: a dev dependency; JSON profiles need nothing beyond the product
    except ImportError:
        raise ProfileError(f"{path}: reading YAML needs PyYAML; give the profile as JSON") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from None


def default_profile(stage: str) -> TrafficProfile:
    """The documented profile `stratus cost` uses without `--traffic` (README, "Cost model"):
    a small production at 1,000 monthly active users for `prod`, and a team's test traffic
    (50 users) for any other stage."""
    users = 1000 if stage == "prod" else 50
    return TrafficProfile(
        name=f"default-{stage}",
        description=(
            f"{users} monthly active users, each making 20 API calls a day to every API "
            "(4 reads per write, 1 KB items), 2,000 page views a day, 20 images and 50 e-mails "
            "a day, 1 GB of downloads a day"
        ),
        users=users,
        apis={"*": ApiTraffic(requests_per_user_per_day=20)},
        items_per_user=50,
        objects_per_user=5,
        object_uploads_per_day=users * 0.2,
        object_downloads_per_day=users * 0.5,
        images_per_day=20,
        emails_per_day=50,
        page_views_per_day=2000,
        bytes_served_per_day=1e9,
    )
