"""Assignment on rows (claims.services.assign): the clusters, nearest cosines and statuses the
model-object path gave, with a bounded read per new claim and a number of queries that does not
grow with the archive."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import CandidateCosines, Claim, Cluster
from claims.services import assign
from claims.services.audit import flag_changed_verdicts, verdict_memberships
from claims.services.rebuild import REBUILD_ORDER, _rebuild, read_tops, source_context, write_tops
from claims.services.scoring import (
    KNN_CANDIDATES,
    _claim_scorer,
    _Matcher,
    _matcher,
    lock_clusters,
    nearest_clustered,
    nearest_clustered_many,
    read_index_until_limit,
    slots_of,
)
from claims.services.statuses import refresh_clusters
from evaluation.bench_rebuild import fill
from newsclaims.matching import pairscore
from newsclaims.matching.clustering import floor_of, qualifying_clusters, raise_tops
from newsclaims.matching.rules import ClaimSlots, match_score, same_figure
from tests.integration.test_rebuild_rows import state

pytestmark = pytest.mark.django_db
HELD_BACK = "held-back"


def archive(n: int, newcomer_sources: int, seed: int = 5) -> list[int]:
    """`n` synthetic claims (evaluation.bench_rebuild), all but the last `newcomer_sources`
    sources' claims clustered by a rebuild; returns those sources' ids, in order."""
    fill(n, seed=seed, index=False)  # (an index cannot be built in a test's transaction)
    sources = sorted(set(Claim.objects.values_list("source_id", flat=True)))[-newcomer_sources:]
    Claim.objects.filter(source_id__in=sources).update(embedding_model=HELD_BACK)
    services.recluster()
    Claim.objects.filter(source_id__in=sources).update(embedding_model=django_settings.FACTCHECK_EMBEDDING_MODEL)
    return sources


def newcomers(source_id: int) -> list[Claim]:
    return list(Claim.objects.filter(source_id=source_id).select_related("source").order_by("start", "id"))


@pytest.fixture(autouse=True)
def _no_cross_encoder(settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False  # statuses from the stance head alone: fast


# --- The model-object path this replaced, kept as the reference -------------------------------
def reference_note_newcomer(claim: Claim, neighbours: Sequence[Claim], pair_model: pairscore.PairModel) -> list[Claim]:
    own = pairscore.split_parts(np.asarray(claim.embedding, dtype=np.float32), pair_model.bounds)
    if neighbours:
        theirs = pairscore.split_parts(
            np.stack([np.asarray(c.embedding, dtype=np.float32) for c in neighbours]), pair_model.bounds
        )
        cosines = [t @ o[0] for t, o in zip(theirs, own, strict=True)]
    else:
        cosines = [np.zeros(0, dtype=np.float32) for _ in own]
    claim.nearest_cosines = pairscore.top_k(cosines, pair_model.density_k)
    Claim.objects.filter(pk=claim.pk).update(nearest_cosines=claim.nearest_cosines)
    changed = []
    for k, neighbour in enumerate(neighbours):
        top = pairscore.insert_cosine(
            neighbour.nearest_cosines, [float(part[k]) for part in cosines], pair_model.density_k
        )
        if top != neighbour.nearest_cosines:
            changed.append(neighbour)
        neighbour.nearest_cosines = top
    if neighbours:
        Claim.objects.bulk_update(list(neighbours), ["nearest_cosines"])
    return changed


def reference_scores(
    claim: Claim,
    own: ClaimSlots,
    clusters: dict[int, list[Claim]],
    matcher: _Matcher,
    slots: Callable[[Claim], ClaimSlots],
) -> dict[int, list[float]]:
    keys = [key for key, members in clusters.items() if members]
    members = [m for key in keys for m in clusters[key]]
    if not members:
        return {}
    everyone = [claim, *members]
    vectors = np.stack([np.asarray(c.embedding, dtype=np.float32) for c in everyone])
    member_slots = [slots(m) for m in members]
    if matcher.pair_model is None:
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        flat = [match_score(own, s, float(unit[0] @ unit[k + 1])) for k, s in enumerate(member_slots)]
    else:
        scorer = _claim_scorer(everyone, vectors, matcher.pair_model)
        flat = [scorer.score(0, k + 1, same_figure(own, s)) for k, s in enumerate(member_slots)]
    out: dict[int, list[float]] = {}
    position = 0
    for key in keys:
        out[key] = flat[position : position + len(clusters[key])]
        position += len(clusters[key])
    return out


def reference_assign(claims: Iterable[Claim]) -> set[int]:
    """assign_claims as it was, on model objects: every candidate cluster's claims read whole,
    each newcomer written at once (with its candidate floor from its nearest claims), the
    neighbourhood (the clusters joined, with a claim a newcomer matches or whose nearest cosines
    it entered) read again and re-clustered, with its sources' other claims for the margins."""
    claims = list(claims)
    lock_clusters()
    touched: set[int] = set()
    around: set[int] = set()
    members: dict[int, list[Claim]] = {}
    slots_by_id: dict[int, ClaimSlots] = {}
    locked = set(Cluster.objects.filter(locked=True).values_list("pk", flat=True))
    with_verdict = verdict_memberships()
    matcher = _matcher()

    def slots(claim: Claim) -> ClaimSlots:
        if claim.pk not in slots_by_id:
            slots_by_id[claim.pk] = slots_of(claim)
        return slots_by_id[claim.pk]

    for claim in claims:
        near = nearest_clustered(np.asarray(claim.embedding, dtype=np.float32), claim.embedding_model)
        claim.candidate_floor = floor_of([cosine for _, _, cosine in near])
        Claim.objects.filter(pk=claim.pk).update(candidate_floor=claim.candidate_floor)
        cluster_ids = sorted({cluster_id for _, cluster_id, _ in near if cluster_id not in locked})
        missing = [key for key in cluster_ids if key not in members]
        for key in missing:
            members[key] = []
        for member in Claim.objects.filter(cluster_id__in=missing).select_related("source").order_by("id"):
            members[member.cluster_id].append(member)
        own = slots(claim)
        if matcher.pair_model is not None:
            near_ids = {row[0] for row in near}
            neighbours = [
                m for key in cluster_ids for m in members[key] if m.pk in near_ids and m.source_id != claim.source_id
            ]
            stirred = reference_note_newcomer(claim, neighbours, matcher.pair_model)
            around.update(m.cluster_id for m in stirred)
        scores = reference_scores(claim, own, {key: members[key] for key in cluster_ids}, matcher, slots)
        keys = qualifying_clusters(own, scores, lambda key: [slots(m) for m in members[key]], matcher.threshold)
        around.update(key for key, values in scores.items() if max(values) >= matcher.threshold)
        cluster_id = keys[0] if keys else Cluster.objects.create(label=claim.text[:300]).pk
        members.setdefault(cluster_id, [])
        Claim.objects.filter(pk=claim.pk).update(cluster_id=cluster_id)
        claim.cluster_id = cluster_id
        members[cluster_id].append(claim)
        touched.add(cluster_id)
    reference_floors(claims)
    around = sorted(touched | around)
    old_ids = set(around)
    neighbourhood = list(
        Claim.objects.filter(
            cluster_id__in=around, embedding__isnull=False, embedding_model=django_settings.FACTCHECK_EMBEDDING_MODEL
        )
        .select_related("source")
        .order_by(*REBUILD_ORDER)
    )
    if neighbourhood:
        context = source_context(neighbourhood, django_settings.FACTCHECK_EMBEDDING_MODEL)
        final_ids, _, changed = _rebuild(neighbourhood, local=True, context=context)
        touched = (touched & set(final_ids)) | changed | (old_ids - set(final_ids))
    refresh_clusters(touched)
    flag_changed_verdicts(with_verdict)
    return touched


def reference_floors(claims: Sequence[Claim]) -> None:
    """Each newcomer's nearest cosines and candidate floor again from its nearest clustered
    claims (the newcomers among them), itself left out; every stored claim's list with the
    newcomers above its last entered, and its floor from it; a claim with no list, whose floor
    a newcomer stands above by more than `assign.FLOOR_SLACK`, from the index too."""
    if not claims:
        return
    ids = {c.pk for c in claims}
    news = np.stack([np.asarray(c.embedding, dtype=np.float64) for c in claims])
    news /= np.linalg.norm(news, axis=1, keepdims=True)
    everyone = Claim.objects.filter(
        cluster__isnull=False, candidate_floor__isnull=False, embedding_model=django_settings.FACTCHECK_EMBEDDING_MODEL
    )
    lists = read_tops(list(everyone.values_list("id", flat=True)))
    for pk, embedding, floor in list(everyone.values_list("id", "embedding", "candidate_floor")):
        vector = np.asarray(embedding, dtype=np.float32)
        unit = vector.astype(np.float64) / np.linalg.norm(vector)
        cosines = [c for c, other in zip((news @ unit).tolist(), claims, strict=True) if other.pk != pk]
        if pk not in ids and pk in lists:
            top = lists[pk]
            entering = [c for c in cosines if len(top) < KNN_CANDIDATES or c > top[KNN_CANDIDATES - 1]]
            if not entering:
                continue
            top = raise_tops(top, entering)
        elif pk in ids or any(c > floor + assign.FLOOR_SLACK for c in cosines):
            near = nearest_clustered(vector, django_settings.FACTCHECK_EMBEDDING_MODEL, KNN_CANDIDATES + 1)
            top = raise_tops([], [cosine for claim_id, _, cosine in near if claim_id != pk][:KNN_CANDIDATES])
        else:
            continue
        write_tops([pk], [top])
        floor = floor_of(top)
        Claim.objects.filter(pk=pk).update(candidate_floor=floor)
        for claim in claims:
            if claim.pk == pk:
                claim.candidate_floor = floor


def assign_each(sources: Sequence[int], how: Callable[[list[Claim]], set[int]]) -> None:
    """Assign each source's claims in one call, source after source (as ingestion does)."""
    for source_id in sources:
        with transaction.atomic():
            how(newcomers(source_id))


# --- Tests ------------------------------------------------------------------------------------
def test_assignment_on_rows_gives_the_model_object_paths_clusters_nearest_cosines_and_statuses(
    django_capture_on_commit_callbacks,
):
    sources = archive(160, newcomer_sources=8)
    assert Claim.objects.filter(source_id__in=sources).count() >= 12  # several claims a call, articles among them
    old_ids = set(Cluster.objects.values_list("pk", flat=True))
    with transaction.atomic():
        assign_each(sources, reference_assign)
        want = state(old_ids)
        transaction.set_rollback(True)
    with django_capture_on_commit_callbacks(execute=True):  # the status refresh jobs, after each commit
        assign_each(sources, services.assign_claims)
    got = state(old_ids)
    assert got == want
    joined = {cluster for claim, (cluster, _) in got[0].items() if cluster[0] == "kept"}
    assert joined and any(cluster[0] == "new" for cluster, _ in got[0].values())  # both cases met


def test_the_claims_passed_in_end_with_their_final_cluster_and_nearest_cosines():
    [source] = archive(80, newcomer_sources=1)
    claims = newcomers(source)
    services.assign_claims(claims)
    stored = dict(Claim.objects.filter(source_id=source).values_list("id", "cluster_id"))
    assert {c.pk: c.cluster_id for c in claims} == stored
    assert all(c.nearest_cosines == Claim.objects.get(pk=c.pk).nearest_cosines for c in claims)
    assert Cluster.objects.filter(pk__in=stored.values()).count() == len(set(stored.values()))


def queries_to_assign(claims: list[Claim]) -> int:
    with CaptureQueriesContext(connection) as captured:
        services.assign_claims(claims)
    return len(captured)


@pytest.mark.parametrize("size", [60, 240])
def test_assigning_one_claim_takes_a_bounded_number_of_queries_whatever_the_archive(
    size, django_assert_max_num_queries
):
    [source] = archive(size, newcomer_sources=1, seed=7)
    claims = newcomers(source)[:1]
    # The lock, the index settings, locked clusters, the kNN, the neighbourhood's rows, the
    # re-clustering's constraints and clusters, one write, the statuses of the clusters touched.
    with django_assert_max_num_queries(16):
        services.assign_claims(claims)


def test_the_nearest_of_several_claims_read_in_one_statement_are_each_ones_own_query():
    sources = archive(120, newcomer_sources=3)
    claims = [c for source in sources for c in newcomers(source)]
    vectors = [np.asarray(c.embedding, dtype=np.float32) for c in claims]
    model = django_settings.FACTCHECK_EMBEDDING_MODEL
    with transaction.atomic(), connection.cursor() as cursor:
        read_index_until_limit(cursor)
        together = nearest_clustered_many(vectors, model)
        alone = [nearest_clustered(v, model, configure=False) for v in vectors]
    assert len(claims) > 3 and all(together)
    assert together == alone  # ids, clusters, cosines and their order
    assert nearest_clustered_many([], model) == []


def test_a_batch_of_new_claims_reads_its_nearest_in_one_statement():
    sources = archive(120, newcomer_sources=3)
    claims = [c for source in sources for c in newcomers(source)]
    with CaptureQueriesContext(connection) as captured:
        services.assign_claims(claims)
    searches = [q["sql"] for q in captured if "<=>" in q["sql"]]
    lists = [q["sql"] for q in captured if CandidateCosines._meta.db_table in q["sql"]]
    # The newcomers' nearest, in one statement whatever the number of claims; the floors they
    # raise come from the stored lists of nearest cosines (read once, written once), not from the
    # index again (`assign._refresh_floors`).
    assert len(claims) > 3 and len(searches) == 1, searches
    assert len(lists) == 2, lists


def test_a_claim_stored_before_the_lists_were_kept_has_its_floor_looked_up_in_the_index():
    sources = archive(120, newcomer_sources=3)
    CandidateCosines.objects.all().delete()
    claims = [c for source in sources for c in newcomers(source)]
    with CaptureQueriesContext(connection) as captured:
        services.assign_claims(claims)
    searches = [q["sql"] for q in captured if "<=>" in q["sql"]]
    assert len(searches) == 2, searches  # the newcomers' nearest, then those of the claims they reached
    # Those claims now have their lists, as the newcomers do.
    assert CandidateCosines.objects.filter(claim__in=claims).count() == len(claims)
    assert CandidateCosines.objects.exclude(claim__in=claims).exists()


def test_the_queries_of_one_assignment_do_not_grow_with_the_archive():
    counts = []
    for size in (60, 240):
        with transaction.atomic():
            [source] = archive(size, newcomer_sources=1, seed=7)
            counts.append(queries_to_assign(newcomers(source)[:1]))
            transaction.set_rollback(True)
    assert counts[1] == counts[0], counts  # nothing per claim of the archive, nor per claim read


def test_a_new_claims_read_is_capped_and_a_cluster_read_in_part_is_left_as_it_is(monkeypatch):
    [source] = archive(160, newcomer_sources=1)
    claim = newcomers(source)[0]
    near = nearest_clustered(np.asarray(claim.embedding, dtype=np.float32), claim.embedding_model)
    # Make the nearest claim's cluster large: 40 more claims, from far away in the archive.
    big = near[0][1]
    others = list(Claim.objects.exclude(cluster_id=big).exclude(source_id=source).order_by("-id")[:40])
    Claim.objects.filter(pk__in=[c.pk for c in others]).update(cluster_id=big)
    before = dict(Claim.objects.filter(cluster_id=big).values_list("id", "cluster_id"))
    monkeypatch.setattr(assign, "CLUSTER_READ_CAP", 6)
    monkeypatch.setattr(assign, "NEIGHBOURHOOD_READ_CAP", 20)
    read: list[int] = []
    original = assign._read

    def spy(hood, clusters, forced, budget, model_name):
        held = len(hood.rows)
        sizes = original(hood, clusters, forced, budget, model_name)
        read.append(len(hood.rows) - held)
        return sizes

    monkeypatch.setattr(assign, "_read", spy)
    services.assign_claims([claim])
    assert read and read[0] <= 20 + KNN_CANDIDATES  # the budget, and the nearest claims themselves
    # The big cluster was read in part: its claims stay where they were, whatever the newcomer did.
    after = dict(Claim.objects.filter(pk__in=before).values_list("id", "cluster_id"))
    assert after == before
