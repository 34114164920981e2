"""Stage and route selection for HTTP APIs, with AWS's priorities.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
("Routing API requests"): the stage is the first path segment when it names a stage, else
the $default stage (none: 404 {"message":"Not Found"}). Then the route, best match first:
1. a full match of route and method (path variables included: literal segments win over
   {variables}, left to right; a route for the method wins over ANY);
2. a match with a greedy path variable ({proxy+}): the longest prefix wins;
3. the $default route.
Nothing matches: 404 {"message":"Not Found"}.
"""

from __future__ import annotations

from dataclasses import dataclass

from stratus.local.gateway.http_api.config import DEFAULT_STAGE, HttpApi, Route, Stage


@dataclass(frozen=True)
class _Pattern:
    route: Route
    segments: tuple[str, ...]  # without the greedy segment
    greedy: str | None  # name of the {name+} variable at the end


@dataclass(frozen=True)
class Match:
    route: Route
    path_params: dict[str, str]


def split_path(path: str) -> list[str]:
    """ "/a/b/" -> ["a", "b"]; "/" -> []."""
    segments = path.split("/")[1:]
    if segments and segments[-1] == "":
        segments.pop()
    return segments


class RouteTable:
    def __init__(self, routes: list[Route]) -> None:
        self.default: Route | None = None
        self._exact: list[_Pattern] = []
        self._greedy: list[_Pattern] = []
        for route in routes:
            if not route.path:
                self.default = route
                continue
            segments = tuple(split_path(route.path))
            if segments and segments[-1].startswith("{") and segments[-1].endswith("+}"):
                self._greedy.append(_Pattern(route, segments[:-1], segments[-1][1:-2]))
            else:
                self._exact.append(_Pattern(route, segments, None))

    def select(self, method: str, segments: list[str], *, any_ok: bool = True) -> Match | None:
        """The best route; `any_ok=False` skips ANY routes (a CORS preflight goes to a route
        only when one names OPTIONS, or to the $default route)."""
        best: tuple[tuple[int, ...], _Pattern, dict[str, str]] | None = None
        for pattern in self._exact:
            if len(pattern.segments) != len(segments):
                continue
            if not _method_ok(pattern.route, method, any_ok):
                continue
            params = _params(pattern.segments, segments)
            if params is None:
                continue
            rank = (*_literal_rank(pattern.segments), pattern.route.method != "ANY")
            if best is None or rank > best[0]:
                best = (rank, pattern, params)
        if best is None:
            for pattern in self._greedy:
                n = len(pattern.segments)
                if len(segments) <= n or not _method_ok(pattern.route, method, any_ok):
                    continue
                params = _params(pattern.segments, segments[:n])
                if params is None:
                    continue
                assert pattern.greedy is not None
                params[pattern.greedy] = "/".join(segments[n:])
                rank = (n, *_literal_rank(pattern.segments), pattern.route.method != "ANY")
                if best is None or rank > best[0]:
                    best = (rank, pattern, params)
        if best is not None:
            return Match(best[1].route, best[2])
        if self.default is not None:
            return Match(self.default, {})
        return None


def _method_ok(route: Route, method: str, any_ok: bool) -> bool:
    return route.method == method or (any_ok and route.method == "ANY")


def _literal_rank(segments: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(0 if s.startswith("{") else 1 for s in segments)


def _params(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for want, got in zip(pattern, segments, strict=True):
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None
            params[want[1:-1]] = got
        elif want != got:
            return None
    return params


def select_stage(api: HttpApi, segments: list[str]) -> tuple[Stage, list[str]] | None:
    """The stage a request goes to and the path segments left for route selection."""
    if segments and segments[0] != DEFAULT_STAGE and segments[0] in api.stages:
        return api.stages[segments[0]], segments[1:]
    default = api.stages.get(DEFAULT_STAGE)
    if default is None:
        return None
    return default, segments
