"""PostgreSQL advisory locks: every key the service uses, and the calls that take and release them.

Session-level locks (`try_lock`, `unlock`, `held`, `waiting`) are how a job tells a live run
from a dead one: PostgreSQL drops a session's locks when its process dies (SIGKILL, a killed
worker, a crash), so work stamped as taken but whose lock is free was left by a run that is gone.
The transaction-scoped cluster lock (`scoring.lock_clusters`) ends with its transaction instead.
Keys are one int8 or two int4; a collision of second keys only makes two things look busy
together, never lets two runs into one.

May import Django only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

# One writer assigns claims to clusters at a time (transaction-scoped: `scoring.lock_clusters`), so
# two workers cannot both open a cluster for the same fact, and a rebuild never races them.
CLUSTER_LOCK = 0x66C1_0001
# The first key of a source's lock (`ingest`: the run processing it); the source id is the second.
SOURCE_LOCK_CLASS = 0x66C1_0002
# Held by a full rebuild for its whole run (waiting for CLUSTER_LOCK included), so a second
# rebuild can tell at once that one is already under way.
REBUILD_LOCK = 0x66C1_0003
# Held by a rebuild's status refresh (`statuses.refresh_lock`), so the beat sweep does not judge
# the same pairs beside it.
STATUS_REFRESH_LOCK = 0x66C1_0004
# The first key of the lock a process holds while it refreshes a shared batch of statuses; the
# second is the batch's first cluster id.
STATUS_BATCH_LOCK = 0x66C1_0005
# The first key of the lock a poll of a feed holds from start to end; the feed id is the second.
FEED_POLL_LOCK_CLASS = 0x66C1_0006


def second_key(pk: int) -> int:
    """A row id as a lock's second key (an int4)."""
    return pk & 0x7FFF_FFFF


def _call(function: str, key: tuple[int, ...]) -> bool:
    marks = ", ".join(["%s"] * len(key))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({marks})", list(key))
        row = cursor.fetchone()
    return bool(row[0]) if row[0] is not None else True  # pg_advisory_lock returns void


def try_lock(*key: int) -> bool:
    """Take this session's lock on `key` if no one holds it; whether it is now held."""
    return _call("pg_try_advisory_lock", key)


def unlock(*key: int) -> None:
    """Release this session's lock on `key` (taken by `try_lock` or `waiting`)."""
    _call("pg_advisory_unlock", key)


@contextmanager
def held(*key: int) -> Iterator[bool]:
    """This session's lock on `key` if no one holds it, for the block; yields whether it is held."""
    taken = try_lock(*key)
    try:
        yield taken
    finally:
        if taken:
            unlock(*key)


@contextmanager
def waiting(*key: int) -> Iterator[None]:
    """This session's lock on `key` for the block, waiting for whoever holds it to let go."""
    _call("pg_advisory_lock", key)
    try:
        yield
    finally:
        unlock(*key)
