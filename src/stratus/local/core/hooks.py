"""Hooks by (service, operation), looked up once per request."""

from __future__ import annotations

import re
from collections.abc import Iterable

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.registry import AfterHook, BeforeHook, Hook, PathHandler, PathRoute


class HookTable:
    def __init__(self) -> None:
        self._before: dict[tuple[str, str | None], list[BeforeHook]] = {}
        self._after: dict[tuple[str, str | None], list[AfterHook]] = {}
        self._paths: list[tuple[frozenset[str], re.Pattern[str], PathHandler]] = []

    def add(self, hooks: Iterable[Hook]) -> None:
        for hook in hooks:
            key = (hook.service, hook.operation)
            if hook.before is not None:
                self._before.setdefault(key, []).append(hook.before)
            if hook.after is not None:
                self._after.setdefault(key, []).append(hook.after)

    def add_paths(self, routes: Iterable[PathRoute]) -> None:
        for route in routes:
            self._paths.append((route.methods, re.compile(route.pattern), route.handler))

    def path_handler(self, request: AwsRequest) -> PathHandler | None:
        for methods, pattern, handler in self._paths:
            if request.method in methods and pattern.match(request.path):
                return handler
        return None

    def before(self, call: AwsCall) -> list[BeforeHook]:
        if call.service is None:
            return []
        exact = self._before.get((call.service, call.operation), []) if call.operation else []
        return [*self._before.get((call.service, None), []), *exact]

    def after(self, call: AwsCall) -> list[AfterHook]:
        if call.service is None:
            return []
        exact = self._after.get((call.service, call.operation), []) if call.operation else []
        return [*exact, *self._after.get((call.service, None), [])]
