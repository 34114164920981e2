"""Make one request to moto replayable: the same ids, the same timestamps, the same effects.

The journal (`core.durable`) records each mutating request handed to moto and replays it at
start-up. moto draws ids from one random generator (`moto.moto_api._internal.mock_random`)
and reads the wall clock (`moto.core.utils.utcnow`/`unix_time`, `time.time`,
`datetime.now`, `os.urandom`, `uuid4`), so a replay would mint new SQS MessageIds, Cognito
subs and S3 VersionIds. While a request runs inside `context(seed, clock)`, every one of
those sources, on that thread only, answers from a generator seeded with `seed` and from the
frozen instant `clock` (both recorded in the journal entry); other threads (reads, the
event loop) keep the real ones. Reads that draw random numbers therefore never disturb a
write's sequence.

The patches are installed once (`install()`): mock_random's class becomes a thread-aware
subclass, and moto modules' own references to the clock and `os.urandom`/`uuid4` are
rebound (as freezegun does) -- again whenever new moto modules have been imported since.

Also here, because it lives on the same thread-local:
- which moto backends a request touched (`AccountSpecificBackend.__getitem__` notes the
  service), so a snapshot re-pickles only those (SNS Publish touches SQS, ...);
- SQS long polls: inside a context moto never waits (it would hold the write lock for up to
  20 s); an empty receive that asked to wait is reported in `retry_wait`, the journal waits
  outside the lock and tries again;
- side inputs (`side_input`): a value our code computes from outside moto while moto runs
  (e.g. a trigger's answer) is recorded live and read back on replay.
"""

from __future__ import annotations

import datetime as _dt
import os as _os
import random as _random
import re
import string
import sys
import threading
import time as _time
import types
import uuid as _uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_local = threading.local()


@dataclass
class Context:
    """What one journaled request runs with (and what it reports back)."""

    rng: _random.Random
    clock: float  # epoch seconds, frozen for the whole request
    replaying: bool = False
    final: bool = True  # False: an empty SQS long poll reports retry_wait instead of waiting
    inputs: dict[str, Any] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    retry_wait: tuple[Any, float] | None = None  # (moto Queue, seconds asked to wait)
    # Set when the call is known to have changed nothing (an SQS receive that handed out
    # no message): the journal then keeps no entry for it.
    unchanged: bool = False


def current() -> Context | None:
    ctx: Context | None = getattr(_local, "ctx", None)
    return ctx


@contextmanager
def context(
    seed: int,
    clock: float,
    *,
    replaying: bool = False,
    final: bool = True,
    inputs: dict[str, Any] | None = None,
) -> Iterator[Context]:
    """Run moto deterministically on this thread (nesting is not supported)."""
    install()
    ctx = Context(
        rng=_random.Random(seed),
        clock=clock,
        replaying=replaying,
        final=final,
        inputs=dict(inputs or {}),
    )
    previous = current()
    _local.ctx = ctx
    try:
        yield ctx
    finally:
        _local.ctx = previous


def side_input(key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` live (its value recorded in the journal entry); the recorded value on
    replay. Outside a journaled request, just `compute()`."""
    ctx = current()
    if ctx is None:
        return compute()
    if ctx.replaying:
        return ctx.inputs.get(key)
    value = compute()
    ctx.inputs[key] = value
    return value


def replaying() -> bool:
    ctx = current()
    return ctx is not None and ctx.replaying


# -- deterministic sources ----------------------------------------------------------------
_real_time = _time.time
_real_urandom = _os.urandom
_real_uuid4 = _uuid.uuid4
_RealDatetime = _dt.datetime


def _time_now() -> float:
    ctx = current()
    return ctx.clock if ctx is not None else _real_time()


def _urandom(n: int) -> bytes:
    ctx = current()
    return ctx.rng.randbytes(n) if ctx is not None else _real_urandom(n)


def _uuid4() -> _uuid.UUID:
    ctx = current()
    if ctx is None:
        return _real_uuid4()
    return _uuid.UUID(int=ctx.rng.getrandbits(128), version=4)


class _DatetimeMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _RealDatetime)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _RealDatetime)


class FrozenDatetime(_RealDatetime, metaclass=_DatetimeMeta):
    """`datetime.datetime` whose now()/utcnow() read the request's frozen clock."""

    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _dt.datetime:  # type: ignore[override]
        ctx = current()
        if ctx is None:
            return _RealDatetime.now(tz)
        return _RealDatetime.fromtimestamp(ctx.clock, tz)

    @classmethod
    def utcnow(cls) -> _dt.datetime:  # type: ignore[override]
        ctx = current()
        if ctx is None:
            return _RealDatetime.now(_dt.UTC).replace(tzinfo=None)
        return _RealDatetime.fromtimestamp(ctx.clock, _dt.UTC).replace(tzinfo=None)


def _proxy(name: str, real: types.ModuleType, **overrides: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(real.__dict__)
    module.__dict__.update(overrides)
    return module


_TIME = _proxy("time", _time, time=_time_now)
_OS = _proxy("os", _os, urandom=_urandom)
_DATETIME = _proxy("datetime", _dt, datetime=FrozenDatetime)
_UUID = _proxy("uuid", _uuid, uuid4=_uuid4)
_NOW_CALL = re.compile(r"datetime\.(now|utcnow|today)\(")


def _thread_aware_random(base: type) -> type:
    class ThreadAwareRandom(base):
        """mock_random: the request's own seeded generator on a journaled thread.

        `choice` and `get_random_string` (a request id: 52 draws, every moto response) ask
        which generator answers once per call instead of once per draw, and then draw from
        its C `getrandbits` exactly as `Random._randbelow` does: the same values, in the
        same order, from the same generator, as the unpatched methods (tests compare them
        on seeded generators), so journals replay as they were written."""

        def random(self) -> float:
            ctx = current()
            return ctx.rng.random() if ctx is not None else float(super().random())

        def getrandbits(self, k: int) -> int:
            ctx = current()
            return ctx.rng.getrandbits(k) if ctx is not None else int(super().getrandbits(k))

        def _bits(self) -> Callable[[int], int]:
            ctx = current()
            return ctx.rng.getrandbits if ctx is not None else super().getrandbits

        def choice(self, seq: Any) -> Any:
            size = len(seq)
            if not size:
                raise IndexError("Cannot choose from an empty sequence")
            return seq[_below(size, self._bits())]

        def get_random_string(
            self, length: int = 20, include_digits: bool = True, lower_case: bool = False
        ) -> str:
            pool = _LETTERS_DIGITS if include_digits else _LETTERS
            bits, size = self._bits(), len(pool)
            width = size.bit_length()
            chosen = []
            for _ in range(length):
                drawn = bits(width)
                while drawn >= size:
                    drawn = bits(width)
                chosen.append(pool[drawn])
            text = "".join(chosen)
            return text.lower() if lower_case else text

    return ThreadAwareRandom


_LETTERS = string.ascii_letters
_LETTERS_DIGITS = string.ascii_letters + string.digits


def _below(n: int, getrandbits: Callable[[int], int]) -> int:
    """`random.Random._randbelow_with_getrandbits`, given the generator's getrandbits."""
    width = n.bit_length()
    drawn = getrandbits(width)
    while drawn >= n:
        drawn = getrandbits(width)
    return drawn


_install_lock = threading.Lock()
_installed = False
_seen_modules: set[str] = set()
_modules_at_last_scan = 0


def install() -> None:
    """Patch moto's sources of ids and time (idempotent; cheap when nothing new loaded)."""
    global _installed, _modules_at_last_scan
    if _installed and len(sys.modules) == _modules_at_last_scan:
        return
    with _install_lock:
        if not _installed:
            _install_once()
            _installed = True
        _rebind_new_modules()
        _modules_at_last_scan = len(sys.modules)


def _install_once() -> None:
    from moto.core import base_backend
    from moto.moto_api import _internal

    mock_random = _internal.mock_random
    if type(mock_random).__name__ != "ThreadAwareRandom":
        mock_random.__class__ = _thread_aware_random(type(mock_random))

    region_getitem = base_backend.AccountSpecificBackend.__getitem__
    account_getitem = base_backend.BackendDict.__getitem__

    def getitem(self: Any, region_name: str) -> Any:
        ctx = current()
        if ctx is not None:
            ctx.touched.add(self.service_name)
        if dict.__contains__(self, region_name):
            return region_getitem(self, region_name)
        with _structural(ctx, f"{self.service_name}/{self.account_id}/{region_name}"):
            return region_getitem(self, region_name)

    def account(self: Any, account_id: str) -> Any:
        if dict.__contains__(self, account_id):
            return account_getitem(self, account_id)
        with _structural(current(), f"{self.service_name}/{account_id}"):
            return account_getitem(self, account_id)

    base_backend.AccountSpecificBackend.__getitem__ = getitem  # type: ignore[method-assign]
    base_backend.BackendDict.__getitem__ = account  # type: ignore[method-assign]
    # moto's fast paths first, whoever installs first: the long-poll wrapper must wrap
    # motofast's ReceiveMessage, not be replaced by it.
    from stratus.local import motofast

    motofast.install()
    _patch_sqs_long_poll()


@contextmanager
def _structural(ctx: Context | None, key: str) -> Iterator[None]:
    """A backend created on first use draws from its own generator, seeded by what it is:
    whether a request creates it live or on replay, the request's own draws stay the same.
    A read (no context) that creates one draws from the same generator: an EC2 backend
    first reached by a DescribeVpcs then has the default VPC that replay will create."""
    if ctx is None:
        with context(zlib.crc32(key.encode()), _real_time()):
            yield
        return
    saved = ctx.rng
    ctx.rng = _random.Random(zlib.crc32(key.encode()))
    try:
        yield
    finally:
        ctx.rng = saved


def _patch_sqs_long_poll() -> None:
    from moto.sqs.models import SQSBackend

    original = SQSBackend.receive_message

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> Any:
        ctx = current()
        if ctx is None:
            return original(
                self,
                queue_name,
                count,
                wait_seconds_timeout,
                visibility_timeout,
                message_attribute_names,
            )
        # Inside a journaled request moto never waits (it would hold the write lock).
        queue = self.get_queue(queue_name)
        before = None if ctx.replaying else _receive_marks(queue, ctx)
        result = original(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
        if not result and before is not None:
            ctx.unchanged = _receive_marks(queue, ctx) == before
            if wait_seconds_timeout and not ctx.final:
                ctx.retry_wait = (queue, float(wait_seconds_timeout))
        return result

    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]


def _receive_marks(queue: Any, ctx: Context) -> tuple[Any, ...]:
    """What a receive changes when it changes anything: messages moved to the dead-letter
    queue, the in-flight set, and receipts handed out (each draws a new receipt handle from
    the request's generator -- also for a message moto marks received without returning
    it, one past its retention period)."""
    dead = queue.dead_letter_queue
    return (
        len(queue._messages),
        len(queue.pending_messages),
        len(dead._messages) if dead is not None else 0,
        ctx.rng.getstate(),
    )


def _rebind_new_modules() -> None:
    from moto.core import utils as moto_utils

    real_utcnow = getattr(moto_utils, "_stratus_real_utcnow", moto_utils.utcnow)
    if not hasattr(moto_utils, "_stratus_real_utcnow"):
        moto_utils._stratus_real_utcnow = real_utcnow  # type: ignore[attr-defined]

        def utcnow() -> _dt.datetime:
            ctx = current()
            if ctx is None:
                return real_utcnow()
            return _RealDatetime.fromtimestamp(ctx.clock, _dt.UTC).replace(tzinfo=None)

        moto_utils.utcnow = utcnow
    utcnow_patched = moto_utils.utcnow
    for name, module in list(sys.modules.items()):
        if module is None or name in _seen_modules:
            continue
        if not (name == "moto" or name.startswith("moto.")):
            continue
        _seen_modules.add(name)
        namespace = module.__dict__
        for attr, value in list(namespace.items()):
            if value is real_utcnow:
                namespace[attr] = utcnow_patched
            elif value is _time:
                namespace[attr] = _TIME
            elif value is _real_time:
                namespace[attr] = _time_now
            elif value is _real_uuid4:
                namespace[attr] = _uuid4
            elif value is _uuid:
                namespace[attr] = _UUID
            elif value is _os and _uses(module, "os.urandom"):
                namespace[attr] = _OS
            elif value is _dt and _uses(module, None):
                namespace[attr] = _DATETIME
            elif value is _RealDatetime and _uses(module, None):
                namespace[attr] = FrozenDatetime


def _uses(module: types.ModuleType, text: str | None) -> bool:
    """Whether the module's source calls `text` (None: datetime.now/utcnow/today)."""
    path = getattr(module, "__file__", None)
    if not path or not str(path).endswith(".py"):
        return False
    try:
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
    except OSError:
        return False
    return text in source if text is not None else bool(_NOW_CALL.search(source))
