"""A REST API stage's response cache, as API Gateway's
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html):

- on when the stage has a cache cluster (CacheClusterEnabled) and the method's setting says
  CachingEnabled with a TTL above 0 (300 s by default, 3600 at most: config.py). The `/*/*`
  setting caches GET only; other methods only through their own override;
- the key is the method, the resource and the integration's CacheKeyParameters
  (`method.request.querystring.x`, `.header.x`, `.path.x`): nothing else of the request, not
  even the caller (AWS's well-known pitfall, kept);
- a hit answers without invoking the integration; responses over 1 MB are not cached;
- `Cache-Control: max-age=0` refreshes the entry when the caller may invalidate it
  (callers.py: SigV4 + `execute-api:InvalidateCache` on the method ARN) or when the method
  does not require authorization for it; otherwise the method's
  UnauthorizedCacheControlHeaderStrategy decides: FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER
  (AWS's default: the header is ignored and a warning added) or
  SUCCEED_WITHOUT_RESPONSE_HEADER;
- FlushStageCache empties a stage's cache; UpdateStage patches of the `caching/*` settings
  change them for the running gateway (cache_calls.py). CloudFormation cannot set
  requireAuthorizationForCacheControl or the strategy, so only such a patch can.

CacheDataEncrypted is accepted and ignored: entries live in this process's memory only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from stratus.local.gateway.authorizers import signed_request
from stratus.local.gateway.authorizers.errors import CapitalMessageError
from stratus.local.gateway.authorizers.iam import IamCallers
from stratus.local.gateway.authorizers.policies import method_arn
from stratus.local.gateway.callers import InvalidationDecision, may_invalidate_cache
from stratus.local.gateway.config import MAX_CACHE_TTL, Method, MethodSetting, Stage
from stratus.local.gateway.errors import GatewayError
from stratus.local.gateway.limits import GatewayStats
from stratus.local.gateway.proxy import RequestInfo

MAX_CACHED_BODY = 1_048_576  # "The maximum size of a response that can be cached is 1048576 bytes"
STRATEGIES = ("FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER")
# The local wording of the warning (SUCCEED_WITH_RESPONSE_HEADER); RFC 7234's code 199.
IGNORED_WARNING = ("Warning", '199 - "Unauthorized cache invalidation ignored"')


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ResponseCache:
    """One stage's cache cluster: an LRU of responses, each valid for its method's TTL."""

    def __init__(self, clock: Callable[[], float], max_entries: int = 2048) -> None:
        self._clock = clock
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, ...], tuple[float, CachedResponse]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, response = entry
        if expires <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return response

    def put(self, key: tuple[str, ...], response: CachedResponse, ttl: int) -> None:
        if ttl <= 0 or len(response.body) > MAX_CACHED_BODY:
            return
        self._entries[key] = (self._clock() + ttl, response)
        self._entries.move_to_end(key)
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def invalidate(self, key: tuple[str, ...]) -> None:
        self._entries.pop(key, None)

    def flush(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def cache_key_part(
    param: str, headers: Mapping[str, str], query: Mapping[str, str], path: Mapping[str, str]
) -> str:
    """One CacheKeyParameters entry's part of the key, e.g. "method.request.querystring.q=a"."""
    for prefix, table, lower in (
        ("method.request.header.", headers, True),
        ("method.request.querystring.", query, False),
        ("method.request.multivaluequerystring.", query, False),
        ("method.request.path.", path, False),
    ):
        if param.startswith(prefix):
            name = param[len(prefix) :]
            return f"{param}={table.get(name.lower() if lower else name, '')}"
    return param


class CacheRefused(Exception):
    """FAIL_WITH_403: an unauthorized `Cache-Control: max-age=0` ends the request."""

    def __init__(self, error: GatewayError) -> None:
        self.error = error


def invalidation_denied(caller: str, arn: str) -> GatewayError:
    """Worded like API Gateway's execute-api:Invoke denial (authorizers/errors.py)."""
    return CapitalMessageError(
        "ACCESS_DENIED",
        403,
        f"User: {caller} is not authorized to perform: execute-api:InvalidateCache on "
        f"resource: {arn}",
        "AccessDeniedException",
    )


@dataclass
class Lookup:
    """A cacheable request: its stage cache and key, a hit if any, headers to add."""

    cache: ResponseCache
    key: tuple[str, ...]
    ttl: int
    hit: CachedResponse | None
    extra: list[tuple[str, str]]

    def store(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        # AWS caches the integration's answer whatever its status code.
        self.cache.put(self.key, CachedResponse(status, headers, body), self.ttl)


def caches_method(stage: Stage, setting: MethodSetting | None, http_method: str) -> bool:
    if not stage.cache_cluster or setting is None or not setting.caching or setting.ttl <= 0:
        return False
    return http_method == "GET" or setting.caching_explicit


class StageCaches:
    def __init__(
        self,
        iam: IamCallers,
        region: str,
        account: str,
        clock: Callable[[], float],
        stats: GatewayStats,
    ) -> None:
        self._iam = iam
        self._region = region
        self._account = account
        self._clock = clock
        self._stats = stats
        self._caches: dict[tuple[str, str], ResponseCache] = {}

    def lookup(
        self,
        req: RequestInfo,
        hmap: Mapping[str, str],
        stage: Stage,
        method: Method,
        setting: MethodSetting | None,
        path_params: Mapping[str, str],
        raw_path: str,
    ) -> Lookup | None:
        """None when the request is not cached; raises CacheRefused (FAIL_WITH_403)."""
        if setting is None or not caches_method(stage, setting, req.method):
            return None
        cache = self._caches.get((stage.api_id, stage.name))
        if cache is None:
            cache = self._caches[(stage.api_id, stage.name)] = ResponseCache(self._clock)
        query = req.query_map()
        key = (
            req.method,
            method.resource_path,
            *(cache_key_part(p, hmap, query, path_params) for p in method.cache_key_parameters),
        )
        extra: list[tuple[str, str]] = []
        if "max-age=0" in hmap.get("cache-control", "").replace(" ", ""):
            decision = self._may_invalidate(req, hmap, stage, setting, raw_path)
            if decision.allowed:
                cache.invalidate(key)
                self._stats.cache_invalidations += 1
            elif setting.unauthorized_strategy == "FAIL_WITH_403":
                raise CacheRefused(invalidation_denied(decision.caller, self._arn(req, stage)))
            elif setting.unauthorized_strategy == "SUCCEED_WITH_RESPONSE_HEADER":
                extra.append(IGNORED_WARNING)
        hit = cache.get(key)
        if hit is not None:
            self._stats.cache_hits += 1
        else:
            self._stats.cache_misses += 1
        return Lookup(cache, key, setting.ttl, hit, extra)

    def _arn(self, req: RequestInfo, stage: Stage) -> str:
        return method_arn(
            self._region, self._account, stage.api_id, stage.name, req.method, req.path
        )

    def _may_invalidate(
        self,
        req: RequestInfo,
        hmap: Mapping[str, str],
        stage: Stage,
        setting: MethodSetting,
        raw_path: str,
    ) -> InvalidationDecision:
        if not setting.require_auth_for_cache_control:
            # "If you don't impose an InvalidateCache policy ... any client can invalidate"
            return InvalidationDecision(True, "anonymous", "authorization not required")
        return may_invalidate_cache(
            self._iam,
            signed_request(req, hmap, raw_path),
            self._arn(req, stage),
            req.source_ip,
            self._clock(),
        )

    # -- control plane ----------------------------------------------------------------
    def flush(self, api_id: str, stage: str) -> None:
        cache = self._caches.get((api_id, stage))
        if cache is not None:
            cache.flush()

    def entries(self, api_id: str, stage: str) -> int:
        cache = self._caches.get((api_id, stage))
        return 0 if cache is None else len(cache)


class PatchError(ValueError):
    """An UpdateStage patch the local gateway cannot apply (BadRequestException)."""


_CACHING_FIELDS = {
    "enabled": "caching",
    "ttlInSeconds": "ttl",
    "requireAuthorizationForCacheControl": "require_auth_for_cache_control",
    "unauthorizedCacheControlHeaderStrategy": "unauthorized_strategy",
}


def apply_patch(stage: Stage, path: str, value: str) -> None:
    """One UpdateStage `replace` patch (https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateStage-Patch):
    `/cacheClusterEnabled`, or `/{resource path, "/" as "~1"}/{method}/caching/{name}` with
    `*/*` for the stage's default. A new method override starts from the `/*/*` settings."""
    if path == "/cacheClusterEnabled":
        stage.cache_cluster = value.lower() == "true"
        return
    parts = path.split("/")
    if len(parts) != 5 or parts[3] != "caching" or parts[4] not in _CACHING_FIELDS:
        raise PatchError(f"the local gateway takes this stage setting from the template: {path}")
    resource = "/*" if parts[1] == "*" else parts[1].replace("~1", "/")
    key = (resource, parts[2].upper())
    current = stage.settings.get(key) or stage.settings.get(("/*", "*"))
    current = current or MethodSetting(None, None, False, 300)
    name = _CACHING_FIELDS[parts[4]]
    if name == "ttl":
        if not value.isdigit() or int(value) > MAX_CACHE_TTL:
            raise PatchError(f"Invalid cache TTL: {value} (0-{MAX_CACHE_TTL} seconds)")
        stage.settings[key] = replace(current, ttl=int(value))
    elif name == "unauthorized_strategy":
        if value not in STRATEGIES:
            raise PatchError(f"Invalid unauthorizedCacheControlHeaderStrategy: {value}")
        stage.settings[key] = replace(current, unauthorized_strategy=value)
    elif name == "caching":
        flag = value.lower() == "true"
        explicit = current.caching_explicit or key[1] != "*"
        stage.settings[key] = replace(current, caching=flag, caching_explicit=explicit)
    else:
        stage.settings[key] = replace(
            current, require_auth_for_cache_control=value.lower() == "true"
        )
