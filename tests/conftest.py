"""Shared fixtures. Integration tests run on the real PostgreSQL + pgvector and the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    """The five seed articles ingested and processed (tasks run in-process, after commit)."""
    from claims import services

    with django_capture_on_commit_callbacks(execute=True):
        report = services.ingest_inputs([str(SEEDS)])
    assert not report.errors, report.errors
    return report
