"""One PostgreSQL server for one DB cluster or DB instance: its directory, port and process.

Layout of its directory (under the local state, so `--fresh` empties it and a restart
keeps it):  data/ (the cluster made by `initdb` on first start), postgres.log, port (the
port it keeps across restarts while that port stays free), meta.json (the bootstrap
superuser). The server listens on 127.0.0.1 only; TCP clients authenticate with the master
user's password (SCRAM, as RDS for PostgreSQL requires by default:
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL_Password_Encryption_configuration.html).
The cloud itself connects through a Unix socket in a private 0700 directory (trust) to set
the master password from the template on every start (a changed secret changes it, as
CloudFormation's update of MasterUserPassword would) and to create the default database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from stratus.local.core.lasting_ports import lasting_port, port_is_free
from stratus.local.rds import postmaster
from stratus.local.rds.binaries import PostgresBinaries

log = logging.getLogger("stratus.rds")
READY_SECONDS = 60.0
HBA = (
    "# Written by stratus on every start.\n"
    "# The cloud's own connections: a Unix socket in a private 0700 directory.\n"
    "local all all trust\n"
    "# Everyone else: TCP on 127.0.0.1 with the master user's password (SCRAM).\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
)


class ServerStartError(RuntimeError):
    """The server did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class DatabaseSpec:
    """What the template asks of the server."""

    master_username: str
    master_password: str
    database: str | None = None


class PostgresServer:
    """initdb once, start, configure, stop. Not thread-safe: one caller at a time."""

    def __init__(
        self,
        binaries: PostgresBinaries,
        directory: Path,
        spec: DatabaseSpec,
        *,
        host: str = "127.0.0.1",
        sync: bool = True,
    ) -> None:
        self.binaries = binaries
        self.directory = directory
        self.spec = spec
        self.host = host
        self.sync = sync
        self.port = self._choose_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.socket_dir: Path | None = None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log_path(self) -> Path:
        return self.directory / "postgres.log"

    def _choose_port(self) -> int:
        """The port of the last run while it is free, else a new free one (kept from now on)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        saved = self.directory / "port"
        with contextlib.suppress(FileNotFoundError, ValueError):
            port = int(saved.read_text().strip())
            if port_is_free(port, self.host):
                return port
        port = lasting_port(str(self.directory.resolve()), self.host)
        saved.write_text(f"{port}\n")
        return port

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        began = time.perf_counter()
        initialized = self._initdb()
        (self.data_dir / "pg_hba.conf").write_text(HBA)
        self.socket_dir = Path(tempfile.mkdtemp(prefix=postmaster.SOCKET_PREFIX))
        self.socket_dir.chmod(0o700)
        self.process = self._spawn()
        try:
            self._configure(self._wait_ready())
        except BaseException:
            self.stop()
            raise
        log.info(
            "PostgreSQL on %s:%s ready in %.2fs%s (%s)",
            self.host,
            self.port,
            time.perf_counter() - began,
            " (new data directory)" if initialized else "",
            self.directory,
        )

    def _initdb(self) -> bool:
        if (self.data_dir / "PG_VERSION").exists():
            return False
        if self.data_dir.exists():  # a half-made one (interrupted initdb): start over
            shutil.rmtree(self.data_dir)
        args = [
            "-D",
            str(self.data_dir),
            "-U",
            self.spec.master_username,
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-instructions",
        ]
        if not self.sync:
            args.append("--no-sync")
        result = subprocess.run(
            self.binaries.command(self.binaries.initdb, *args),
            capture_output=True,
            text=True,
            check=False,
            cwd=self.directory,
        )
        if result.returncode != 0:
            raise ServerStartError(f"initdb failed for {self.data_dir}:\n{result.stderr[-2000:]}")
        (self.directory / "meta.json").write_text(
            json.dumps({"superuser": self.spec.master_username}) + "\n"
        )
        return True

    def _spawn(self) -> subprocess.Popen[bytes]:
        assert self.socket_dir is not None
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "password_encryption": "scram-sha-256",
            "shared_buffers": "32MB",  # many small servers on one laptop
            "max_connections": "100",
            "fsync": "on" if self.sync else "off",
            "synchronous_commit": "on" if self.sync else "off",
            "log_line_prefix": "%m [%p] ",
        }
        args = ["-D", str(self.data_dir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        log_file: IO[bytes] = self.log_path.open("ab")
        try:
            return subprocess.Popen(
                self.binaries.command(self.binaries.postgres, *args),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                start_new_session=True,  # a Ctrl-C reaches the cloud, which stops it in order
            )
        finally:
            log_file.close()

    def _wait_ready(self) -> Any:
        """An admin connection over the private socket, once the server accepts it."""
        import psycopg

        assert self.process is not None and self.socket_dir is not None
        deadline = time.monotonic() + READY_SECONDS
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(
                    f"PostgreSQL exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                return psycopg.connect(
                    host=str(self.socket_dir),
                    port=self.port,
                    user=self._superuser(),
                    dbname="postgres",
                    autocommit=True,
                    connect_timeout=5,
                )
            except psycopg.OperationalError as exc:
                last = exc
                time.sleep(0.03)
        raise ServerStartError(f"PostgreSQL not ready after {READY_SECONDS:.0f}s ({last})")

    def _superuser(self) -> str:
        try:
            return str(json.loads((self.directory / "meta.json").read_text())["superuser"])
        except (FileNotFoundError, KeyError, ValueError):
            return self.spec.master_username

    def _configure(self, conn: Any) -> None:
        """The master user with the template's password; the default database."""
        from psycopg import sql

        spec = self.spec
        with conn:
            user = sql.Identifier(spec.master_username)
            password = sql.Literal(spec.master_password)
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (spec.master_username,)
            ).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL(verb + " ROLE {} WITH LOGIN SUPERUSER PASSWORD {}").format(user, password)
            )
            if (
                spec.database
                and not conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (spec.database,)
                ).fetchone()
            ):
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(spec.database), user
                    )
                )

    def reconfigure(self, spec: DatabaseSpec) -> None:
        """A running server takes a new password or default database (template update)."""
        self.spec = spec
        self._configure(self._wait_ready())

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------- stop
    def stop(self) -> None:
        """PostgreSQL's fast shutdown: sessions end, a checkpoint, then exit."""
        if self.process is not None and self.process.poll() is None:
            postmaster.stop(self.process.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=1)
        self.process = None
        if self.socket_dir is not None:
            postmaster.remove_socket_dir(str(self.socket_dir))
            self.socket_dir = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
