"""The parent's side of one warm worker process (one Lambda execution environment).

Per invocation: one framed write and the frames read back on a socketpair (log events
stream in as they are printed, so a killed worker still leaves its logs). No polling, no
threads: the timeout is an asyncio deadline, on expiry the worker's process group is killed.
Raw fd 1/2 output (C extensions, child processes) arrives on a pipe read by one task per worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stratus.local.lambda_runtime.function import BOOTSTRAP
from stratus.local.lambda_runtime.priority import lower_priority

_HEAD = struct.Struct(">cII")
_STREAM_LIMIT = 1 << 20
LogEvents = list[tuple[int, str]]


def now_ms() -> int:
    return int(time.time() * 1000)


def _no_stray_log(worker: Worker, ts: int, text: str) -> None:
    """A spare's output before it is assigned a function belongs to no log stream."""


@dataclass
class Outcome:
    """How one invocation ended: 'ok', 'error' (Lambda error JSON), 'timeout' or 'exit'."""

    kind: str
    body: bytes = b""
    max_memory_mb: int = 0
    exit_status: str = ""


@dataclass
class InitReport:
    """How an init phase went. `suppressed_ms` is set when the phase ran past its limit but
    the init was given the invocation's time to finish (`wait_init`'s `then_s`): the phase
    ended there, `logs` are what it wrote by then, `late_logs` what it wrote afterwards."""

    duration_ms: float
    error: dict[str, Any] | None = None
    timed_out: bool = False
    logs: LogEvents = field(default_factory=list)
    suppressed_ms: float | None = None
    late_logs: LogEvents = field(default_factory=list)

    @property
    def late_ms(self) -> float:
        """The time the init took after its phase ended (0 unless suppressed)."""
        return 0.0 if self.suppressed_ms is None else self.duration_ms - self.suppressed_ms


class Worker:
    def __init__(
        self,
        process: asyncio.subprocess.Process,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        log_stream: str,
        on_stray_log: Callable[[Worker, int, str], None],
        sock: socket.socket | None = None,
    ) -> None:
        self.process = process
        self._sock = sock
        self.pid = process.pid
        self.log_stream = log_stream
        self._reader = reader
        self._writer = writer
        self._on_stray_log = on_stray_log
        self.current_logs: LogEvents | None = None
        self.killed = False
        self._pump = asyncio.get_running_loop().create_task(self._pump_output())

    @classmethod
    async def start(
        cls,
        *,
        cwd: str,
        env: dict[str, str],
        command: Sequence[str] = (sys.executable, str(BOOTSTRAP)),
        log_stream: str,
        init_timeout_s: float,
        on_stray_log: Callable[[Worker, int, str], None],
        then_s: float = 0.0,
    ) -> tuple[Worker, InitReport]:
        """Spawn the worker (`command` + the socket's fd) and wait for its init phase."""
        started = time.perf_counter()
        worker = await cls.spawn(cwd=cwd, env=env, command=command, log_stream=log_stream)
        worker._on_stray_log = on_stray_log
        return worker, await worker.wait_init(init_timeout_s, started, then_s=then_s)

    @classmethod
    async def spawn(
        cls,
        *,
        cwd: str,
        env: dict[str, str],
        command: Sequence[str] = (sys.executable, str(BOOTSTRAP)),
        log_stream: str = "",
    ) -> Worker:
        """Start the process without waiting for anything (a spare: `assign` it later)."""
        parent_sock, child_sock = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                str(child_sock.fileno()),
                cwd=cwd,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                pass_fds=(child_sock.fileno(),),
                start_new_session=True,  # its own process group, killed as one on timeout
            )
        except BaseException:
            parent_sock.close()
            raise
        finally:
            child_sock.close()
        lower_priority(process.pid)  # below the cloud it waits on (lambda_runtime.priority)
        reader, writer = await asyncio.open_unix_connection(sock=parent_sock, limit=_STREAM_LIMIT)
        return cls(process, reader, writer, log_stream, _no_stray_log, parent_sock)

    async def assign(
        self,
        env: dict[str, str],
        *,
        log_stream: str,
        init_timeout_s: float,
        on_stray_log: Callable[[Worker, int, str], None],
        then_s: float = 0.0,
    ) -> InitReport:
        """Make a spare (started with `STRATUS_LAMBDA_SPARE=1`) this function's environment:
        it takes `env` as its whole environment, then runs the init phase."""
        started = time.perf_counter()
        self.log_stream = log_stream
        self._on_stray_log = on_stray_log
        body = json.dumps(env).encode()
        self._writer.write(_HEAD.pack(b"A", 0, len(body)) + body)
        return await self.wait_init(init_timeout_s, started, then_s=then_s)

    async def wait_init(
        self, init_timeout_s: float, started: float, *, then_s: float = 0.0
    ) -> InitReport:
        """Read the init phase's log events up to its end (or failure, or the deadline).
        With `then_s`, an init still running when its phase's limit passes is given that
        much longer (the invocation's own timeout) before it counts as timed out."""
        report = InitReport(duration_ms=0.0)
        self.current_logs = report.logs

        def phase_ended() -> None:  # the init goes on; what it logs now is the invocation's
            report.suppressed_ms = (time.perf_counter() - started) * 1000
            self.current_logs = report.late_logs

        # One deadline for the whole wait, so no frame is ever cut in half at the phase's end.
        limit = max(init_timeout_s - (time.perf_counter() - started), 0.0)
        loop = asyncio.get_running_loop()
        phase_end = loop.call_later(limit, phase_ended) if then_s > 0 else None
        try:
            async with asyncio.timeout(limit + max(then_s, 0.0)):
                await self._read_init(report)
        except TimeoutError:
            self.kill()
            report.timed_out = True
        except (asyncio.IncompleteReadError, ConnectionError):
            status = await self.exit_status()
            report.error = {
                "errorMessage": f"Runtime exited with error: {status}",
                "errorType": "Runtime.ExitError",
                "stackTrace": [],
            }
        finally:
            if phase_end is not None:
                phase_end.cancel()
        self.current_logs = None
        report.duration_ms = (time.perf_counter() - started) * 1000
        if report.error is not None or report.timed_out:
            self.kill()
        return report

    async def _read_init(self, report: InitReport) -> None:
        """Log events (into `current_logs`) up to the frame that ends the init."""
        while True:
            kind, _aux, body = await self._read_frame()
            if kind == b"L":
                assert self.current_logs is not None
                self.current_logs.append((now_ms(), body.decode("utf-8", "replace")))
                continue
            report.error = json.loads(body).get("error")
            return

    async def _read_frame(self) -> tuple[bytes, int, bytes]:
        kind, aux, length = _HEAD.unpack(await self._reader.readexactly(_HEAD.size))
        body = await self._reader.readexactly(length) if length else b""
        return kind, aux, body

    async def invoke(
        self,
        meta: dict[str, Any],
        payload: bytes,
        timeout_s: float,
        logs: LogEvents,
    ) -> Outcome:
        """Send one invocation and collect its log events until the result (or the deadline)."""
        body = json.dumps(meta, separators=(",", ":")).encode() + b"\n" + payload
        self._writer.write(_HEAD.pack(b"V", 0, len(body)) + body)
        self.current_logs = logs
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    kind, aux, data = await self._read_frame()
                    if kind == b"L":
                        logs.append((now_ms(), data.decode("utf-8", "replace")))
                        continue
                    if kind == b"F":  # an error the environment does not survive
                        self.kill()
                    return Outcome("ok" if kind == b"R" else "error", data, aux)
        except TimeoutError:
            self.kill()
            return Outcome("timeout")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.kill()
            return Outcome("exit", exit_status=await self.exit_status())
        except asyncio.CancelledError:
            # The caller went away mid-invocation: this worker's next frame would be a stale
            # result, so it is never reused.
            self.kill()
            raise
        finally:
            self.current_logs = None

    async def exit_status(self) -> str:
        """Lambda's wording for how the runtime ended: 'exit status 1', 'signal: killed'."""
        try:
            code = await asyncio.wait_for(self.process.wait(), 2.0)
        except TimeoutError:
            self.kill()
            code = await self.process.wait()
        if code < 0:
            names = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault"}
            try:
                name = names.get(signal.Signals(-code), signal.Signals(-code).name)
            except ValueError:
                name = str(-code)
            return f"signal: {name}"
        return f"exit status {code}"

    @property
    def alive(self) -> bool:
        return not self.killed and self.process.returncode is None

    def usable(self) -> bool:
        """Checked before an idle worker is handed a request: not killed, not reaped, and
        its socket not at EOF. The last is what notices a process that died (kill -9, OOM)
        before the event loop has seen its exit: a dead peer's socket reads as EOF at once.
        One non-blocking peek, no waiting."""
        if not self.alive or self._reader.at_eof():
            return False
        if self._sock is None:
            return True
        try:
            self._sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True  # nothing to read: the worker is alive and idle
        except OSError:
            return False
        # b"": EOF (the peer closed); any byte while idle would be a stray frame. Either way
        # this environment must not take the next request.
        return False

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (the handler may have spawned children)."""
        self.killed = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self._writer.close()

    async def aclose(self) -> None:
        self.kill()
        with contextlib.suppress(ProcessLookupError):
            await self.process.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pump

    async def _pump_output(self) -> None:
        stream = self.process.stdout
        if stream is None:
            return
        with contextlib.suppress(ValueError, ConnectionError):  # ValueError: over-long line
            async for raw in stream:
                text = raw.decode("utf-8", "replace").rstrip("\n")
                if self.current_logs is not None:
                    self.current_logs.append((now_ms(), text))
                else:
                    self._on_stray_log(self, now_ms(), text)
