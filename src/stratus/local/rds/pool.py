"""The PostgreSQL servers of one local cloud, started in the background while it provisions.

A provider returns a DB's endpoint at once (its port is chosen up front) and the server's
`initdb` and start run on a small thread pool meanwhile, so the rest of the stacks provision
in parallel; `wait()` is the barrier (before a function runs during provisioning, and
before the cloud says it is up). One server per DB cluster / standalone DB instance: each
gets its own master user, password, port and data directory, as separate RDS databases
are, and a start costs ~0.1 s (initdb ~1.5 s once), so sharing one server would save
little and mix users and data that AWS keeps apart.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from stratus.local.rds.server import DatabaseSpec, PostgresServer

log = logging.getLogger("stratus.rds")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


class ServerPool:
    def __init__(self, workers: int = 4) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._workers = workers
        self.servers: dict[str, PostgresServer] = {}  # key (a DB's ARN) -> its server
        self._starts: dict[str, Future[None]] = {}
        # Every ARN served (a cluster's member instances too) -> where it listens.
        self.endpoints: dict[str, Endpoint] = {}

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="postgres")
        return self._executor

    def launch(self, key: str, server: PostgresServer) -> Endpoint:
        """Start `server` in the background as the DB `key`; returns where it will listen."""
        self.remove(key)  # provisioned once a run: only a replacement finds one here
        endpoint = Endpoint(server.host, server.port)
        with self._lock:
            self.servers[key] = server
            self.endpoints[key] = endpoint
            self._starts[key] = self._pool().submit(server.start)
        return endpoint

    def reconfigure(self, key: str, spec: DatabaseSpec) -> Endpoint | None:
        """A template update of the DB `key` whose server this run launched: its new master
        password or default database applied to that server in place, once it has started
        -- same process, same port, as AWS keeps a DB's endpoint across such a change.
        None when no server of `key` is starting or running (then `launch` one)."""
        with self._lock:
            server = self.servers.get(key)
            start = self._starts.get(key)
            endpoint = self.endpoints.get(key)
            if server is None or start is None or endpoint is None:
                return None
            if start.done() and (start.exception() is not None or not server.running):
                return None

            def apply() -> None:
                start.result()  # submitted before this, so never queued behind it
                server.reconfigure(spec)

            self._starts[key] = self._pool().submit(apply)
        return endpoint

    def alias(self, key: str, served_by: str) -> Endpoint | None:
        """`key` (a cluster's instance) is served by the server of `served_by`."""
        with self._lock:
            endpoint = self.endpoints.get(served_by)
            if endpoint is not None:
                self.endpoints[key] = endpoint
            return endpoint

    def wait(self) -> None:
        """Block until every launched server is ready; raises the first start's error."""
        with self._lock:
            starts = list(self._starts.items())
        for key, start in starts:
            try:
                start.result()
            except Exception as exc:
                raise RuntimeError(f"the PostgreSQL server of {key} did not start: {exc}") from exc

    def remove(self, key: str) -> None:
        """Stop and forget the server of `key` (its DB is deleted or replaced)."""
        with self._lock:
            server = self.servers.pop(key, None)
            start = self._starts.pop(key, None)
            self.endpoints.pop(key, None)
        if start is not None:
            start.exception()  # a start in progress finishes before the stop
        if server is not None:
            server.stop()

    def stop_all(self) -> None:
        """Fast shutdown of every server, in parallel."""
        with self._lock:
            servers = list(self.servers.values())
            starts = list(self._starts.values())
            self.servers.clear()
            self._starts.clear()
            self.endpoints.clear()
        for start in starts:
            start.exception()
        pool = self._pool()
        for stopping in [pool.submit(server.stop) for server in servers]:
            stopping.result()
        pool.shutdown(wait=True)
        self._executor = None
