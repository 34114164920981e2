"""Two resources living through the same history, one answered by moto's route and the other
by a direct path (`motofast.*_direct`), compared call by call.

Each call is made twice, once per resource, under the same random seed and frozen clock:
moto's own route answers the first, the direct path the second, so ids, checksums and bodies
must agree exactly, and so must what the resources hold afterwards (`state`). A call made
with `direct=False` must be refused by the direct path before any draw or change; moto then
answers both.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import Wire
from stratus.local.core import determinism
from stratus.local.core.moto_app import MotoApp

CLOCK = 1_764_500_000.5


def moto_route(moto: MotoApp, request: Any) -> Any:
    return moto._dispatch(moto._environ(request))


class RoutePair:
    service = ""
    resource_param = ""  # the parameter naming the resource: QueueUrl, TableName...

    def __init__(self, wire: Wire, moto: MotoApp, a: str, b: str, seed: int) -> None:
        self.wire, self.moto, self.a, self.b = wire, moto, a, b
        self.seed = seed

    def __call__(self, operation: str, direct: bool = True, **params: Any) -> Any:
        self.seed += 1
        name = self.resource_param
        first = self.wire.request(self.service, operation, **{name: self.a}, **params)
        second = self.wire.request(self.service, operation, **{name: self.b}, **params)
        with determinism.context(self.seed, CLOCK):
            expected = moto_route(self.moto, first)
        with determinism.context(self.seed, CLOCK) as ctx:
            before = ctx.rng.getstate()
            got = self.moto._dispatch.answer_directly(second, self.moto.account_id)
            if not direct:
                assert got is None, f"{operation} {params} was answered directly"
                assert ctx.rng.getstate() == before
                got = moto_route(self.moto, second)
        assert got is not None, f"{operation} {params} fell back to moto"
        if self.b.encode() in got[2]:  # moto's errors may name the resource
            got, expected = _renamed(got, self.b, self.a), _renamed(expected, self.a, self.a)
        assert got == expected
        assert self.state(self.a) == self.state(self.b)
        return json.loads(got[2]) if got[2] else {}

    def state(self, resource: str) -> Any:
        raise NotImplementedError


def _renamed(answer: Any, name: str, other: str) -> Any:
    """`answer` naming `other` where it names `name`; its body's checksum header then
    differs between the two sides, and is left out of the comparison."""
    status, headers, body = answer
    kept = [(key, value) for key, value in headers if key != "x-amz-crc32"]
    return status, kept, body.replace(name.encode(), other.encode())
