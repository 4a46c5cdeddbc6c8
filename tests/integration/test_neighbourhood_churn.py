"""Re-clustering a neighbourhood after ingestion scores the pairs the archive's rebuild scores
(claims.services.assign, `Claim.candidate_floor`, the neighbourhood's sources read whole), so with
nothing new in it, it leaves every stored claim where the rebuild put it."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.db import transaction

from claims import services
from claims.models import Claim
from claims.services import assign
from claims.services.scoring import nearest_clustered
from evaluation.bench_rebuild import fill
from newsclaims.matching.clustering import (
    CANDIDATE_FLOOR,
    CANDIDATE_NEIGHBOURS,
    candidate_search,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cross_encoder(settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False


def neighbourhood_of(claim: Claim) -> assign._Neighbourhood:
    """The clusters a new claim like this one would read, read as assignment reads them."""
    hood = assign._Neighbourhood()
    near = nearest_clustered(np.asarray(claim.embedding, dtype=np.float32), claim.embedding_model)
    clusters = list(dict.fromkeys(cluster_id for _, cluster_id, _ in near))
    assign._read(hood, clusters, [], assign.NEIGHBOURHOOD_READ_CAP, django_settings.FACTCHECK_EMBEDDING_MODEL)
    return hood


def test_a_rebuild_stores_each_claims_candidate_floor():
    fill(300, seed=3, index=False)
    services.recluster()
    floors = list(Claim.objects.values_list("candidate_floor", flat=True))
    assert None not in floors and min(floors) >= 0.2 and max(floors) > 0.2


def test_a_neighbourhood_re_clustered_with_nothing_new_leaves_every_claim_where_the_rebuild_put_it():
    fill(1200, seed=3, index=False)
    services.recluster()
    rebuilt = dict(Claim.objects.values_list("id", "cluster_id"))
    probes = Claim.objects.order_by("id")[::97]
    re_clustered = 0
    for probe in probes:
        hood = neighbourhood_of(probe)
        around = set(hood.members) - hood.partial
        re_clustered += sum(len(hood.members[key]) for key in around)
        with transaction.atomic():
            assign._settle(hood, [], {}, around, django_settings.FACTCHECK_EMBEDDING_MODEL)
        assert dict(Claim.objects.values_list("id", "cluster_id")) == rebuilt
    assert re_clustered > 10 * len(probes)  # neighbourhoods of many claims, not of one or two


def test_claims_assigned_source_by_source_keep_the_floors_and_pairs_a_rebuild_computes_as_the_archive_grows():
    """A claim's candidate floor is its 40th nearest cosine over the archive: it rises as the
    archive grows. Kept where a smaller archive put it (`CANDIDATE_FLOOR` below 41 claims), a
    neighbourhood scored pairs the rebuild does not, and average link, which counts a pair not
    scored as 0, merged groups the rebuild keeps apart. Each assignment enters its newcomers in
    the stored nearest cosines of the claims they stand high enough for, and the clusters it
    re-clusters take their floors from those lists (`assign._refresh_floors`)."""
    fill(110, seed=11, index=False)
    model_name = django_settings.FACTCHECK_EMBEDDING_MODEL
    sources = sorted(set(Claim.objects.values_list("source_id", flat=True)))
    first = [s for s in sources if Claim.objects.filter(source_id__lte=s).count() <= 25]
    later = [s for s in sources if s not in first]
    Claim.objects.filter(source_id__in=later).update(embedding_model="held-back")
    services.recluster()
    assert set(Claim.objects.filter(embedding_model=model_name).values_list("candidate_floor", flat=True)) == {
        CANDIDATE_FLOOR  # fewer than 41 claims: every pair at the floor is a candidate
    }
    Claim.objects.filter(source_id__in=later).update(embedding_model=model_name)
    for source_id in later:
        with transaction.atomic():
            services.assign_claims(
                list(Claim.objects.filter(source_id=source_id).select_related("source").order_by("start", "id"))
            )
    rows = list(Claim.objects.order_by("id").values_list("id", "embedding", "candidate_floor"))
    vectors = np.array([np.asarray(e, dtype=np.float32) for _, e, _ in rows])
    _, floors, _ = candidate_search(vectors, CANDIDATE_NEIGHBOURS, CANDIDATE_FLOOR)
    stored = [f for _, _, f in rows]
    assert max(floors) > CANDIDATE_FLOOR + 0.05  # the archive grew past what the first floors saw
    # A floor only rises toward the archive's. Each claim a newcomer's neighbourhood held has the
    # newcomer entered in its stored nearest cosines, and the clusters an assignment re-clustered
    # took their floors from those lists (rows outside a neighbourhood wait for the next rebuild).
    # Without any refresh, 84 of the 110 floors stayed at CANDIDATE_FLOOR; looked up in the index
    # past FLOOR_SLACK, 49 were the archive's; from the lists, 78.
    assert all(mine <= theirs + 1e-5 for mine, theirs in zip(stored, floors, strict=True))
    close = sum(theirs - mine <= assign.FLOOR_SLACK + 1e-5 for mine, theirs in zip(stored, floors, strict=True))
    exact = sum(theirs - mine <= 1e-5 for mine, theirs in zip(stored, floors, strict=True))
    assert close >= 0.9 * len(stored) and exact >= 0.6 * len(stored), (close, exact)
