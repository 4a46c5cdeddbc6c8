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
