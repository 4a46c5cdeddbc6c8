"""A rebuild shared with workers takes its claims' nearest cosines (the pair scores' densities)
from the first worker that read its claims, computed while the rebuild searches the candidate
pairs; with none, it computes them itself, and a worker arriving late leaves them to it. Either
way they are the ones the rebuild would compute alone. The worker's part runs in this process
here (`warm_rebuild_job`, as `rebuild_warm_task` runs it); tests/integration/test_rebuild_workers.py
runs it on real workers."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from django.conf import settings

from claims.models import Claim, RebuildJob
from claims.services import rebuild
from evaluation.bench_rebuild import fill


@pytest.fixture
def rows(transactional_db):
    assert rebuild._matcher().pair_model is not None  # densities are the pair model's
    fill(120, seed=3, index=False)
    model = settings.FACTCHECK_EMBEDDING_MODEL
    rebuild._rows_cache.clear()
    yield rebuild.read_claims(Claim.objects.filter(embedding_model=model), model)
    rebuild._rows_cache.clear()


def announced(rows) -> RebuildJob:
    """The job `announce_job` writes before the rebuild plans (without sending it to workers)."""
    return RebuildJob.objects.create(id=uuid.uuid4(), claim_ids=np.asarray(rows.ids, dtype="<i8").tobytes())


def test_the_rebuild_takes_the_densities_a_worker_computed_from_the_claims_it_read(rows):
    job = announced(rows)
    assert rebuild.warm_rebuild_job(str(job.id))  # the worker reads the claims and computes them
    stored = RebuildJob.objects.get(pk=job.pk).nearest_cosines
    assert stored == rebuild.corpus_nearest(rows)
    assert rebuild._job_densities(job, rows) == stored


def test_with_no_worker_the_rebuild_computes_them_and_a_late_worker_leaves_them_to_it(rows):
    job = announced(rows)
    assert rebuild._job_densities(job, rows) == rebuild.corpus_nearest(rows)
    assert RebuildJob.objects.get(pk=job.pk).nearest_cosines == rebuild.COMPUTED_HERE
    rebuild.warm_rebuild_job(str(job.id))  # arrives after the rebuild looked: computes nothing
    assert RebuildJob.objects.get(pk=job.pk).nearest_cosines == rebuild.COMPUTED_HERE


def test_a_worker_that_finds_a_claim_gone_leaves_the_densities_to_the_rebuild(rows):
    job = announced(rows)
    Claim.objects.filter(pk=rows.ids[0]).delete()  # deleted after the rebuild read it
    rebuild.warm_rebuild_job(str(job.id))
    assert RebuildJob.objects.get(pk=job.pk).nearest_cosines is None
    assert rebuild._job_densities(job, rows) == rebuild.corpus_nearest(rows)
