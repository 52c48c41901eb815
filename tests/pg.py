"""A throwaway PostgreSQL server for the tests (Debian's postgresql-15, tests/setup/install.sh): a cluster made by
initdb in a temporary folder, listening only on a unix socket there, fsync off, stopped and removed at the end."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

BIN = Path(os.environ.get("ELIGO_PG_BIN", "/usr/lib/postgresql/15/bin"))
START_SECONDS = 30  # pg_ctl waits this long for the server to accept connections, then the tests are an error
MEMORY_BYTES = 4 << 30  # address space of the server's processes
STATEMENT_SECONDS = 60  # no query of the tests runs longer
SERVER_USER = "postgres"  # the system user that runs the server when the tests run as root (postgres refuses root)


@dataclass(frozen=True)
class Server:
    """A running cluster: connect with `connect()` (psycopg 3, autocommit off)."""

    socket_dir: Path
    port: int
    user: str

    @property
    def conninfo(self) -> str:
        return f"host={self.socket_dir} port={self.port} user={self.user} dbname=postgres"

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.conninfo, connect_timeout=10)


def _as_server_user(command: Sequence[str]) -> list[str]:
    """`command` as the server's user: the postgres system user when we are root, else ourselves."""
    if os.geteuid() != 0:
        return list(command)
    return ["runuser", "-u", SERVER_USER, "--", *command]


def _run(command: Sequence[str], log: Path, timeout: float) -> None:
    done = subprocess.run(_as_server_user(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, check=False, text=True)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{tail}")


def start(folder: Path, port: int = 5432) -> Server:
    """initdb into `folder`/data and start the server on a unix socket in `folder` (no TCP), for the tests only."""
    data, log = folder / "data", folder / "server.log"
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
    user = SERVER_USER if os.geteuid() == 0 else _current_user()
    _run([str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "-E", "UTF8", "--locale=C.UTF-8",
          "--no-sync", "--no-instructions"], log, timeout=120)
    options = (f"-c listen_addresses='' -k {folder} -p {port} -c fsync=off -c synchronous_commit=off "
               f"-c full_page_writes=off -c max_connections=10 -c shared_buffers=32MB "
               f"-c statement_timeout={STATEMENT_SECONDS * 1000}")
    # The server's memory is bounded: a query the planner cannot cope with fails, not the shared machine.
    _run(["prlimit", f"--as={MEMORY_BYTES}", "--", str(BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t",
          str(START_SECONDS), "-o", options, "start"], log, timeout=START_SECONDS + 30)
    return Server(folder, port, user)


def stop(folder: Path) -> None:
    """Stop the server (fast shutdown: open transactions are rolled back; immediate if that does not end it within
    30 s, as a backend busy planning may not notice), then remove the cluster."""
    for mode in ("fast", "immediate"):
        with contextlib.suppress(subprocess.TimeoutExpired):
            done = subprocess.run(_as_server_user([str(BIN / "pg_ctl"), "-D", str(folder / "data"), "-m", mode, "-w",
                                                   "-t", "30", "stop"]), stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=60, check=False)
            if done.returncode == 0:
                break
    shutil.rmtree(folder, ignore_errors=True)


def _current_user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    """The session's server. Where PostgreSQL or psycopg is not installed the tests are skipped, saying why, except
    in CI (CI=true), where that is an error: tests/setup/install.sh installs both."""
    missing = ("psycopg is not installed (the test extras)" if importlib.util.find_spec("psycopg") is None else
               f"no PostgreSQL server at {BIN} (postgresql-15)" if not (BIN / "initdb").exists() else None)
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: run tests/setup/install.sh")
        pytest.skip(f"{missing}: run tests/setup/install.sh")
    # Not under pytest's tmp_path: that folder is private to root, and the server runs as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="eligo-pg-"))
    try:
        server = start(folder)
        yield server
    finally:
        stop(folder)
