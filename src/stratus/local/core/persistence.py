"""Keep moto's in-memory state across restarts of `stratus up`.

moto has no persistence of its own, so its backends (plain Python objects) are pickled
to `<state_dir>/state/moto.pickle`. Measured on moto 5.2.5: everything we use pickles except
thread locks (SQS queues hold an RLock) and joserfc RSA keys (each Cognito pool holds its
signing key). Those are written as persistent ids and rebuilt fresh on load; the Cognito
key is replaced by `cognito_keys.install()` anyway. Each service is pickled on its own so
one that cannot be saved is logged and skipped instead of losing all the others.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import pickle
import threading
from pathlib import Path
from typing import Any

from stratus.local.core.moto_app import MotoApp

log = logging.getLogger("stratus.persistence")

# The default set; `stratus up` saves what its service registry declares.
SERVICES = (
    "dynamodb",
    "s3",
    "cognito-idp",
    "cognito-identity",
    "iam",
    "sts",
    "logs",
    "secretsmanager",
    "sqs",
    "sns",
    "kinesis",
    "ses",
    "events",
    "cloudwatch",
    "ssm",
)
_FORMAT = 1
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


def _is_rsa_jwk(obj: object) -> bool:
    return type(obj).__name__ == "RSAKey" and type(obj).__module__.startswith("joserfc")


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _LOCK_TYPES):
            # With its id, so a Condition and its bound acquire/release share one new lock.
            kind = "rlock" if isinstance(obj, type(threading.RLock())) else "lock"
            return (kind, id(obj))
        if _is_rsa_jwk(obj):
            return ("cognito-jwk",)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file)
        self._locks: dict[int, Any] = {}

    def persistent_load(self, pid: Any) -> Any:
        kind = pid[0]
        if kind in ("rlock", "lock"):
            if pid[1] not in self._locks:
                self._locks[pid[1]] = threading.RLock() if kind == "rlock" else threading.Lock()
            return self._locks[pid[1]]
        if kind == "cognito-jwk":
            from joserfc import jwk
            from moto.utilities.utils import load_resource

            # moto's own key; cognito_keys.install() signs with ours regardless.
            return jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


def _dump(obj: Any) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def _load(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


def snapshot_bytes(services: tuple[str, ...] = SERVICES) -> bytes:
    """Every in-use backend of `services`, pickled: {service: {account: {region: backend}}}."""
    from moto.backends import get_backend

    blobs: dict[str, bytes] = {}
    for service in services:
        backend_dict = get_backend(service)  # type: ignore[call-overload]
        data = {account: dict(regions) for account, regions in backend_dict.items() if regions}
        if not data:
            continue
        try:
            blobs[service] = _dump(data)
        except RuntimeError as exc:
            if not isinstance(exc, RecursionError):
                raise  # changed while pickling (no gate): the caller retries
            log.warning("cannot snapshot %s: too deeply nested", service)
        except Exception as exc:  # one unpicklable service must not lose the others
            log.warning("cannot snapshot %s: %s: %s", service, type(exc).__name__, exc)
    return pickle.dumps({"format": _FORMAT, "services": blobs}, protocol=pickle.HIGHEST_PROTOCOL)


def restore_bytes(payload: bytes) -> list[str]:
    """Put pickled backends back into moto; returns the services restored."""
    from moto.backends import get_backend

    outer = pickle.loads(payload)
    if not isinstance(outer, dict) or outer.get("format") != _FORMAT:
        raise ValueError("not a stratus moto snapshot")
    restored: list[str] = []
    for service, blob in outer["services"].items():
        try:
            data = _load(blob)
        except Exception as exc:
            log.warning("cannot restore %s: %s: %s", service, type(exc).__name__, exc)
            continue
        backend_dict = get_backend(service)
        for account, regions in data.items():
            account_backends = backend_dict[account]
            for region, backend in regions.items():
                # dict.__setitem__: AccountSpecificBackend would otherwise build a fresh one.
                dict.__setitem__(account_backends, region, backend)
        restored.append(service)
    return restored


def _snapshot_with_retries(services: tuple[str, ...], attempts: int = 3) -> bytes:
    """Without the gate a request may change a dict mid-pickle; that only needs a retry."""
    for attempt in range(attempts):
        try:
            return snapshot_bytes(services)
        except RuntimeError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def write_atomic(path: Path, data: bytes) -> None:
    """tmp file + rename, mode 0600: a crash never leaves half a snapshot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Snapshotter:
    """Saves moto's state when it changed, at most every `interval_seconds`."""

    def __init__(
        self,
        path: Path,
        interval_seconds: float = 2.0,
        *,
        moto: MotoApp | None = None,
        services: tuple[str, ...] = SERVICES,
    ) -> None:
        self.path = path
        self.services = services  # moto backends to save (from the service registry)
        self.interval_seconds = interval_seconds
        self._moto = moto
        self._dirty = False
        self._save_lock = threading.Lock()

    def mark_dirty(self) -> None:
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    async def run(self) -> None:
        """Background task: save whenever dirty; cancel it and call save_now() on shutdown."""
        while True:
            await asyncio.sleep(self.interval_seconds)
            if self._dirty:
                try:
                    await asyncio.to_thread(self.save_now)
                except Exception:
                    log.exception("snapshot failed; will retry")

    def save_now(self) -> None:
        """Pickle moto's state and write it atomically (blocking)."""
        with self._save_lock:
            self._dirty = False  # changes made while we pickle mark it dirty again
            try:
                if self._moto is not None:
                    with self._moto.gate.exclusive() as quiet:
                        if not quiet:
                            log.info("requests still running; snapshotting anyway")
                        data = _snapshot_with_retries(self.services)
                else:
                    data = _snapshot_with_retries(self.services)
                write_atomic(self.path, data)
            except BaseException:
                self._dirty = True
                raise

    def restore(self) -> bool:
        """Load the last snapshot into moto; False when there is none or it is unreadable."""
        if not self.path.is_file():
            return False
        try:
            restored = restore_bytes(self.path.read_bytes())
        except Exception as exc:
            log.warning("ignoring unreadable snapshot %s: %s", self.path, exc)
            return False
        log.info("restored %s", ", ".join(restored) or "nothing")
        return True
