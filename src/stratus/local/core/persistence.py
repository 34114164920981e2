"""Pickling moto's backends, and writing state files whole.

moto has no persistence of its own, so its backends (plain Python objects) are pickled
(`core.durable` writes one file per service; `snapshot_bytes`/`restore_bytes` are the
format-1 single file `moto.pickle`, read once to migrate). Measured on moto 5.2.5:
everything we use pickles except thread locks (SQS queues hold an RLock) and joserfc RSA
keys (each Cognito pool holds its signing key). Those are written as persistent ids and
rebuilt fresh on load; the Cognito key is replaced by `cognito_keys.install()` anyway.

`write_atomic` is how every state file is written (physical ids, credentials, Lambda
versions, outputs, checkpoints): whole or not at all, synced before it returns.
"""

from __future__ import annotations

import copyreg
import functools
import io
import logging
import os
import pickle
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any, Protocol

from stratus.local.core.journal import fsync_dir

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


def _versioned_store(cls: type, items: list[tuple[str, list[Any]]], state: Any) -> Any:
    store = cls()
    for key, versions in items:
        dict.__setitem__(store, key, versions)
    if state:
        store.__dict__.update(state)
    return store


def _tag_map() -> defaultdict[str, dict[str, str]]:
    return defaultdict(dict)


def _ssm_backend(cls: Any, state: dict[str, Any]) -> Any:
    backend = cls.__new__(cls)
    tags: defaultdict[str, defaultdict[str, dict[str, str]]] = defaultdict(_tag_map)
    for kind, by_id in state.pop("_resource_tags", {}).items():
        tags[kind].update(by_id)
    backend.__dict__.update(state, _resource_tags=tags)
    return backend


def _parameter_dict(cls: type, items: list[tuple[str, Any]], state: dict[str, Any]) -> Any:
    params = cls(state["account_id"], state["region_name"])
    params.__dict__.update(state)
    for key, versions in items:
        dict.__setitem__(params, key, versions)
    return params


def _reduce_parameter_dict(params: Any) -> Any:
    # A defaultdict subclass whose __init__ takes (account, region): pickle's defaultdict
    # reduction would call it with the default factory instead.
    return (_parameter_dict, (type(params), list(dict.items(params)), dict(params.__dict__)))


def _reduce_ssm_backend(backend: Any) -> Any:
    # moto's SSM backend keeps resource tags in `defaultdict(lambda: defaultdict(dict))`,
    # which pickle refuses; save plain dicts and rebuild the defaultdicts on load.
    state = dict(backend.__dict__)
    state["_resource_tags"] = {k: dict(v) for k, v in state.get("_resource_tags", {}).items()}
    return (_ssm_backend, (type(backend), state))


def _load_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem, None)


def _load_cert(pem: bytes) -> Any:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem)


@functools.cache
def _crypto_reducers() -> dict[type, Any]:
    """cryptography's keys and certificates (Rust objects moto's ACM keeps) pickled as PEM.
    Their classes are private, so they are taken from one sample of each (made once)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    def key(obj: Any) -> Any:
        pem = obj.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return (_load_key, (pem,))

    def cert(obj: Any) -> Any:
        return (_load_cert, (obj.public_bytes(serialization.Encoding.PEM),))

    ec_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sample")])
    now = dt.datetime.now(dt.UTC)
    sample = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ec_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(ec_key, hashes.SHA256())
    )
    rsa_key = rsa.generate_private_key(65537, 1024)
    return {type(ec_key): key, type(rsa_key): key, type(sample): cert}


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, protocol: int) -> None:
        super().__init__(file, protocol=protocol)
        from moto.s3.utils import _VersionedKeyStore
        from moto.ssm.models import ParameterDict, SimpleSystemManagerBackend

        # S3 keeps every version of a key in a list, but its dict subclass shows (and so
        # would pickle) only the newest: save the lists themselves.
        self.dispatch_table = {
            **copyreg.dispatch_table,
            _VersionedKeyStore: lambda store: (
                _versioned_store,
                (type(store), list(dict.items(store)), getattr(store, "__dict__", None)),
            ),
            SimpleSystemManagerBackend: _reduce_ssm_backend,
            ParameterDict: _reduce_parameter_dict,
            **_crypto_reducers(),
        }

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


def restore_bytes(payload: bytes, *, strict: bool = False) -> list[str]:
    """Put a format-1 snapshot (`moto.pickle`) back into moto; returns the services restored.
    `strict`: a service that cannot be loaded is an error rather than a warning."""
    from moto.backends import get_backend

    outer = pickle.loads(payload)
    if not isinstance(outer, dict) or outer.get("format") != _FORMAT:
        raise ValueError("not a stratus moto snapshot")
    restored: list[str] = []
    for service, blob in outer["services"].items():
        try:
            data = _load(blob)
        except Exception as exc:
            if strict:
                raise ValueError(f"{service}: {type(exc).__name__}: {exc}") from exc
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


class FileTracker(Protocol):
    def tracks(self, path: Path) -> bool: ...
    def before_file_write(self, path: Path, data: bytes | None) -> None: ...


_tracker: FileTracker | None = None


def set_file_tracker(tracker: FileTracker | None) -> None:
    """The durable state that must hear of writes to the files it tracks (None: none)."""
    global _tracker
    _tracker = tracker


def write_atomic(path: Path, data: bytes) -> None:
    """tmp file + rename, mode 0600, synced with its directory: a crash (or a power loss)
    never leaves half a file. A file the durable state tracks is announced to it first."""
    tracker = _tracker
    if tracker is not None and tracker.tracks(path):
        tracker.before_file_write(path, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
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
    fsync_dir(path.parent)
