"""Advisory locks (`claims.services.locks`): a key another session holds is refused, or waited
for, and is free again once that session lets go or is gone."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from claims.services import locks

pytestmark = pytest.mark.django_db

KEY = (locks.FEED_POLL_LOCK_CLASS, locks.second_key(2**40 + 7))


def other_session() -> psycopg.Connection:
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT']}/{db['NAME']}"
    return psycopg.connect(url, autocommit=True)


def gone(pid: int, timeout: float = 10.0) -> None:
    """Wait until the server has ended backend `pid`: a client's close returns before its backend
    exits and lets go of its locks, so asserting at once would race the server."""
    deadline = time.monotonic() + timeout
    with other_session() as watcher:
        while watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]:
            assert time.monotonic() < deadline, f"backend {pid} still running after {timeout} s"
            time.sleep(0.01)


def test_a_key_another_session_holds_is_refused_until_that_session_is_gone():
    other = other_session()
    other.execute("SELECT pg_advisory_lock(%s, %s)", list(KEY))
    with locks.held(*KEY) as taken:
        assert not taken
    pid = other.info.backend_pid
    other.close()  # as a process that died: its session's locks go with it
    gone(pid)
    with locks.held(*KEY) as taken:
        assert taken
        with other_session() as third:
            assert not third.execute("SELECT pg_try_advisory_lock(%s, %s)", list(KEY)).fetchone()[0]
    with other_session() as third:  # released on the way out
        assert third.execute("SELECT pg_try_advisory_lock(%s, %s)", list(KEY)).fetchone()[0]


def test_waiting_for_a_key_returns_once_its_holder_lets_go():
    other = other_session()
    other.execute("SELECT pg_advisory_lock(%s, %s)", list(KEY))
    threading.Timer(0.5, other.close).start()
    started = time.monotonic()
    with locks.waiting(*KEY):
        waited = time.monotonic() - started
    assert waited >= 0.4
    with locks.held(*KEY) as taken:
        assert taken


def test_a_row_id_beyond_an_int4_makes_a_second_key_that_fits_one():
    assert locks.second_key(2**31 + 5) == 5 and 0 <= locks.second_key(2**40 + 7) < 2**31
