"""The Lambda worker: run by path in a subprocess, one per warm execution environment.

STDLIB ONLY, and nothing from `stratus`: the function's asset ships its own `stratus`
package, which must be the one the handler imports. Python puts this file's directory at
sys.path[0]; it is removed before any other import so nothing here can shadow a module.

Protocol (a socket whose fd is argv[1], never stdout: print() is the function's log):
frames of `>cII` = kind, aux, body length, then the body.
  parent -> worker  V  invoke: body = meta JSON + b"\\n" + raw event bytes
  worker -> parent  I  init done: body = {"error": {...}} or {} (the worker exits after an error)
                    L  one log event (UTF-8 text, may span lines like Lambda's [ERROR] records)
                    R  result JSON (aux = max RSS MB)      E  error JSON (aux = max RSS MB)
Lambda's own runtime (awslambdaric) is copied where users can see it: error shapes and
wording, the root logging handler's format, the context object, Decimal marshalling.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _HERE:
    del sys.path[0]

import base64  # noqa: E402
import decimal  # noqa: E402
import importlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from typing import Any, Callable  # noqa: E402, UP035

_HEAD = struct.Struct(">cII")


class Channel:
    """Framed messages over the socket; sends are locked so handler threads may print."""

    def __init__(self, fd: int) -> None:
        self._sock = socket.socket(fileno=fd)
        self._reader = self._sock.makefile("rb")
        self._lock = threading.Lock()

    def send(self, kind: bytes, body: bytes, aux: int = 0) -> None:
        with self._lock:
            self._sock.sendall(_HEAD.pack(kind, aux, len(body)) + body)

    def log(self, text: str) -> None:
        self.send(b"L", text.encode("utf-8", "replace"))

    def receive(self) -> "tuple[bytes, bytes] | None":
        head = self._reader.read(_HEAD.size)
        if len(head) < _HEAD.size:
            return None
        kind, _aux, length = _HEAD.unpack(head)
        body = self._reader.read(length)
        if len(body) < length:
            return None
        return kind, body


class LogStream(io.TextIOBase):
    """sys.stdout/sys.stderr: every complete line becomes one log event, as on Lambda."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._buffer = ""
        self._lock = threading.Lock()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self._lock:
            self._buffer += text
            if "\n" not in self._buffer:
                return len(text)
            *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._channel.log(line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            pending, self._buffer = self._buffer, ""
        if pending:
            self._channel.log(pending)


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _RequestIdFilter.request_id
        return True


class _LambdaLogHandler(logging.Handler):
    """Lambda's root handler: one event per record, even when the message spans lines."""

    def __init__(self, channel: Channel) -> None:
        super().__init__()
        self._channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._channel.log(self.format(record))
        except Exception:
            self.handleError(record)


def _json_logs() -> bool:
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


def _iso(epoch: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"
    )


class _JsonFormatter(logging.Formatter):
    """LogFormat JSON: one object per record with timestamp, level, message, logger, requestId
    (https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "timestamp": _iso(record.created),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", "") or None,
        }
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            out["errorType"] = type(exc).__name__
            out["errorMessage"] = str(exc)
            out["stackTrace"] = traceback.format_tb(exc.__traceback__)
        return json.dumps(out, default=str)


def _install_logging(channel: Channel) -> None:
    handler = _LambdaLogHandler(channel)
    if _json_logs():
        handler.setFormatter(_JsonFormatter())
        level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper()
        logging.getLogger().setLevel(getattr(logging, level, logging.INFO))
    else:
        # Lambda's Python runtime format, UTC timestamps.
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


class FaultError(Exception):
    def __init__(self, error_type: str, message: str, trace: "list[str] | None" = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def _load_handler(spec: str) -> Callable[[Any, Any], Any]:
    """Import the handler module (Lambda's init phase); raise FaultError in Lambda's words."""
    try:
        modname, fname = spec.rsplit(".", 1)
    except ValueError as e:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {e}") from e
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}"
        ) from e
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise FaultError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}", trace
        ) from e
    handler = getattr(module, fname, None)
    if handler is None:
        fault = FaultError(
            "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
        )

        def missing(event: Any, context: Any) -> Any:
            raise fault

        return missing
    return handler


def _error(exc: BaseException) -> "dict[str, Any]":
    if isinstance(exc, FaultError):
        return {"errorMessage": exc.message, "errorType": exc.error_type, "stackTrace": exc.trace}
    tb = exc.__traceback__
    if tb is not None and tb.tb_next is not None:
        tb = tb.tb_next  # drop the runtime's own frame, as Lambda does
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(tb)),
    }


def _log_error(channel: Channel, error: "dict[str, Any]") -> None:
    if _json_logs():
        record = {
            "timestamp": _iso(time.time()),
            "level": "ERROR",
            "message": error["errorMessage"],
            "logger": "root",
            "requestId": _RequestIdFilter.request_id or None,
            "errorType": error["errorType"],
            "errorMessage": error["errorMessage"],
            "stackTrace": error["stackTrace"],
        }
        channel.log(json.dumps(record))
        return
    text = (
        f"[ERROR] {error['errorType']}: {error['errorMessage']}\nTraceback (most recent call last):"
    )
    channel.log(text + "".join("\n" + line.rstrip("\n") for line in error["stackTrace"]))


def _decimal(value: Any) -> Any:
    # Lambda's marshaller turns Decimal into a number (DynamoDB items come back as Decimal).
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class CognitoIdentity:
    def __init__(self, raw: "dict[str, Any] | None") -> None:
        raw = raw or {}
        self.cognito_identity_id = raw.get("cognitoIdentityId")
        self.cognito_identity_pool_id = raw.get("cognitoIdentityPoolId")


class Client:
    def __init__(self, raw: "dict[str, Any]") -> None:
        self.installation_id = raw.get("installation_id")
        self.app_title = raw.get("app_title")
        self.app_version_name = raw.get("app_version_name")
        self.app_version_code = raw.get("app_version_code")
        self.app_package_name = raw.get("app_package_name")


class ClientContext:
    def __init__(self, raw: "dict[str, Any]") -> None:
        self.client = Client(raw["client"]) if raw.get("client") else None
        self.custom = raw.get("custom")
        self.env = raw.get("env")


class LambdaContext:
    """The `context` argument, with the attributes and method of Lambda's Python runtime."""

    function_name = ""
    function_version = "$LATEST"
    memory_limit_in_mb = "128"  # a string on Lambda too (read from the environment)
    log_group_name = ""
    log_stream_name = ""

    @classmethod
    def read_environment(cls) -> None:
        """Read once the environment is the function's (at start, or when a spare is
        assigned)."""
        cls.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        cls.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        cls.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        cls.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        cls.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")

    def __init__(self, meta: "dict[str, Any]") -> None:
        self.aws_request_id: str = meta["id"]
        self.invoked_function_arn: str = meta["arn"]
        self._deadline_ms: int = meta["deadline_ms"]
        self.identity = CognitoIdentity(meta.get("identity"))
        self.client_context = None
        raw_context = meta.get("client_context")
        if raw_context:
            try:
                self.client_context = ClientContext(json.loads(base64.b64decode(raw_context)))
            except (ValueError, TypeError):
                self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def log(self, message: str) -> None:
        sys.stdout.write(message)


def _invoke(
    handler: Callable[[Any, Any], Any], meta: "dict[str, Any]", payload: bytes, channel: Channel
) -> "tuple[bytes, bytes]":
    """Run one invocation; (b"R", result JSON) or (b"E", Lambda's error JSON)."""
    try:
        event = json.loads(payload) if payload.strip() else {}
    except ValueError as e:
        error = _fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {e}")
    else:
        try:
            result = handler(event, LambdaContext(meta))
        except Exception as e:
            error = _error(e)
            _log_error(channel, error)
        else:
            try:
                return b"R", json.dumps(result, default=_decimal).encode()
            except (TypeError, ValueError) as e:
                error = _fault("Runtime.MarshalError", f"Unable to marshal response: {e}")
    error = {
        "errorMessage": error["errorMessage"],
        "errorType": error["errorType"],
        "requestId": meta["id"],
        "stackTrace": error["stackTrace"],
    }
    return b"E", json.dumps(error).encode()


def _fault(error_type: str, message: str) -> "dict[str, Any]":
    return {"errorMessage": message, "errorType": error_type, "stackTrace": []}


# What a spare environment imports before it knows its function: what Lambda's Python
# runtime provides (boto3, botocore), found on the same sys.path as the function's (its
# task root first, so a bundled copy wins as it would), so the function's own import of
# it finds it done. Nothing of the function's runs before it is assigned.
SPARE_PRELOAD = ("boto3",)


def _wait_as_spare(channel: Channel) -> bool:
    """STRATUS_LAMBDA_SPARE=1: preload, then wait for the function's whole environment (an
    `A` frame). False when the parent closed the socket first."""
    for name in SPARE_PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # the function's own import will say what is wrong
            continue
    message = channel.receive()
    if message is None:
        return False
    _kind, body = message
    os.environ.clear()
    os.environ.update(json.loads(body))
    if hasattr(time, "tzset"):
        time.tzset()
    return True


def _set_trace_id(trace_id: "str | None") -> None:
    """The Runtime API's Lambda-Runtime-Trace-Id, as the runtime hands it to the function
    (and the X-Ray SDK reads it): `_X_AMZN_TRACE_ID`, set per invocation
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)."""
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def _max_memory_used_mb() -> int:
    """This environment's peak resident memory, for the REPORT line's "Max Memory Used".

    Read from /proc/self/status (VmHWM, the peak of this process's own memory since its
    exec), not `getrusage`: Linux carries ru_maxrss across execve, so a worker spawned by a
    300 MB cloud process reported 300 MB for a 40 MB function. Elsewhere ru_maxrss is the
    fallback (bytes on macOS, KiB on Linux)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // (1 << 20) if sys.platform == "darwin" else peak // 1024


def main() -> int:
    channel = Channel(int(sys.argv[1]))
    if os.environ.get("STRATUS_LAMBDA_SPARE") == "1" and not _wait_as_spare(channel):
        return 0
    LambdaContext.read_environment()
    stdout, stderr = LogStream(channel), LogStream(channel)
    sys.stdout, sys.stderr = stdout, stderr
    _install_logging(channel)
    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except Exception as e:
        error = _error(e)
        _log_error(channel, error)
        channel.send(b"I", json.dumps({"error": error}).encode())
        return 1
    channel.send(b"I", b"{}")
    while True:
        message = channel.receive()
        if message is None:  # the parent closed the socket: shut down
            return 0
        _kind, body = message
        head, _, payload = body.partition(b"\n")
        meta = json.loads(head)
        _RequestIdFilter.request_id = meta["id"]
        _set_trace_id(meta.get("trace_id"))
        kind, out = _invoke(handler, meta, payload, channel)
        stdout.flush()
        stderr.flush()
        channel.send(kind, out, _max_memory_used_mb())


if __name__ == "__main__":
    sys.exit(main())
