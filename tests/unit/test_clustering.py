"""Average-link clustering with editors' constraints, and stable ids, on hand-made vectors."""

import numpy as np

from newsclaims.matching.clustering import Constraints, average_link, cluster_all, stable_ids
from newsclaims.matching.rules import ClaimSlots


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_similar_claims_share_a_cluster_and_dissimilar_ones_do_not():
    slots = [ClaimSlots(i, i) for i in range(3)]
    vectors = np.stack([unit(1, 0, 0), unit(0.95, 0.05, 0), unit(0, 0, 1)])
    assert cluster_all(slots, vectors, threshold=0.8).labels == [0, 0, 1]


def test_incompatible_slots_split_even_identical_vectors():
    slots = [ClaimSlots(0, 0, "whatsapp"), ClaimSlots(1, 1, "telegram"), ClaimSlots(2, 2, "whatsapp")]
    vectors = np.stack([unit(1, 0), unit(1, 0), unit(1, 0)])
    assert cluster_all(slots, vectors, threshold=0.5).labels == [0, 1, 0]


def test_a_chain_cannot_carry_a_claim_into_a_cluster_it_conflicts_with():
    # b is compatible with both, but a and c are not compatible with each other.
    slots = [ClaimSlots(0, 0, "whatsapp"), ClaimSlots(1, 1, None), ClaimSlots(2, 2, "telegram")]
    vectors = np.stack([unit(1, 0), unit(1, 0.1), unit(1, 0.2)])
    labels = cluster_all(slots, vectors, threshold=0.5).labels
    assert labels[2] != labels[0] and len(set(labels)) == 2


def test_the_same_input_always_gives_the_same_labels():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    slots = [ClaimSlots(i, i % 5) for i in range(60)]
    assert cluster_all(slots, vectors, 0.3).labels == cluster_all(slots, vectors.copy(), 0.3).labels


def test_progress_is_reported_up_to_the_total():
    seen = []
    cluster_all(
        [ClaimSlots(i, i) for i in range(4)], np.eye(4, dtype=np.float32), 0.5, lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (4, 4)


def test_a_rebuilt_cluster_keeps_the_id_of_the_old_cluster_it_overlaps_most():
    old = {1: 10, 2: 10, 3: 11, 4: 11, 5: None}
    assert stable_ids([[1, 2, 3], [4], [5]], old) == [10, 11, None]


def test_an_old_id_goes_to_one_new_cluster_only():
    old = {1: 10, 2: 10, 3: 10, 4: 10}
    assert stable_ids([[1, 2, 3], [4]], old) == [10, None]


def three_similar_and_one_apart():
    slots = [ClaimSlots(10 + i, i) for i in range(4)]
    vectors = np.stack([unit(1, 0), unit(1, 0.05), unit(1, 0.1), unit(0, 1)])
    return slots, vectors


def test_must_link_pulls_a_dissimilar_claim_into_its_partners_cluster():
    slots, vectors = three_similar_and_one_apart()
    labels = cluster_all(slots, vectors, 0.8, constraints=Constraints(must_link=[(13, 10)])).labels
    assert len(set(labels)) == 1


def test_cannot_link_keeps_two_similar_claims_apart():
    slots, vectors = three_similar_and_one_apart()
    labels = cluster_all(slots, vectors, 0.8, constraints=Constraints(cannot_link=[(10, 11)])).labels
    assert labels[0] != labels[1]


def test_a_cannot_link_applies_to_the_whole_must_linked_group():
    slots, vectors = three_similar_and_one_apart()
    rules = Constraints(must_link=[(11, 12)], cannot_link=[(10, 12)])
    labels = cluster_all(slots, vectors, 0.8, constraints=rules).labels
    assert labels[1] == labels[2] != labels[0]


def test_a_locked_cluster_keeps_exactly_its_members_and_takes_no_newcomers():
    slots, vectors = three_similar_and_one_apart()
    result = cluster_all(slots, vectors, 0.8, constraints=Constraints(locked={10: 99}))
    assert result.labels[1] != result.labels[0] and result.labels[1] == result.labels[2]
    assert result.locked_labels == {result.labels[0]: 99}


def test_a_locked_cluster_whose_claims_are_all_gone_disappears():
    slots, vectors = three_similar_and_one_apart()
    result = cluster_all(slots, vectors, 0.8, constraints=Constraints(locked={555: 99}))
    assert 99 not in result.locked_labels.values()
    assert sorted(set(result.labels)) == list(range(len(set(result.labels))))


def test_a_claim_close_to_two_unrelated_claims_does_not_chain_them_into_one_cluster():
    slots = [ClaimSlots(i, i) for i in range(3)]
    # 0 and 1 are too far apart to meet directly; 2 is close to both.
    vectors = np.stack([unit(1, 0), unit(0.2, 1), unit(0.75, 0.66)])
    labels = cluster_all(slots, vectors, threshold=0.75).labels
    assert labels[0] != labels[1] and len(set(labels)) == 2


def test_a_claim_close_to_every_member_of_a_cluster_joins_it():
    slots = [ClaimSlots(i, i) for i in range(4)]
    vectors = np.stack([unit(1, 0), unit(1, 0.3), unit(1, 0.15), unit(0, 1)])
    assert cluster_all(slots, vectors, threshold=0.9).labels == [0, 0, 0, 1]


def test_average_link_merges_the_closest_groups_first_and_stops_below_the_threshold():
    scores = {(0, 1): 0.9, (1, 2): 0.6, (0, 2): 0.5, (2, 3): 0.8}
    assert average_link([[0], [1], [2], [3]], scores, 0.7) == [[0, 1], [2, 3]]
    # The two pairs meet at a mean of (0.5 + 0.6 + 0 + 0) / 4 = 0.275.
    assert average_link([[0], [1], [2], [3]], scores, 0.25) == [[0, 1, 2, 3]]


def test_average_link_never_merges_a_closed_group_or_a_vetoed_pair():
    scores = {(0, 1): 0.9, (1, 2): 0.9}
    assert average_link([[0], [1], [2]], scores, 0.5, closed=[1]) == [[0], [1], [2]]
    assert average_link([[0], [1], [2]], scores, 0.5, allowed=lambda a, b: 2 not in a + b) == [[0, 1], [2]]


def test_a_bridge_does_not_merge_clusters_whose_subjects_differ():
    slots = [ClaimSlots(0, 0, "whatsapp"), ClaimSlots(1, 1, "telegram"), ClaimSlots(2, 2, None)]
    vectors = np.stack([unit(1, 0), unit(0.2, 1), unit(0.75, 0.66)])
    labels = cluster_all(slots, vectors, threshold=0.75).labels
    assert labels[0] != labels[1]


def _average_link_by_hand(groups, scores, threshold, allowed):
    """Average link the slow way: every round, the pair of groups with the highest mean score over
    all their claims' pairs (an absent pair is 0; ties to the lower indices) merges, if allowed."""
    members = {g: list(m) for g, m in enumerate(groups)}
    refused: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
    while True:
        best = None
        for a in sorted(members):
            for b in sorted(members):
                if a >= b:
                    continue
                total = sum(scores.get((min(i, j), max(i, j)), 0.0) for i in members[a] for j in members[b])
                mean = total / (len(members[a]) * len(members[b]))
                key = (tuple(members[a]), tuple(members[b]))
                if mean >= threshold and key not in refused and (best is None or mean > best[0]):
                    best = (mean, a, b)
        if best is None:
            return sorted(members.values(), key=min)
        _, a, b = best
        if allowed(members[a], members[b]):
            members[a].extend(members.pop(b))
        else:
            refused.add((tuple(members[a]), tuple(members[b])))


def test_average_link_gives_the_clusters_of_the_slow_way_whatever_scores_lie_between_components():
    # Scores in 1/64ths, so every mean is exact and ties are ties. Most pairs score below the
    # threshold, many between claims that never share a cluster: those are skipped, never counted.
    rng = np.random.default_rng(7)
    for _ in range(120):
        n = int(rng.integers(2, 25))
        scores = {}
        for _ in range(int(rng.integers(0, 3 * n))):
            i, j = sorted(rng.choice(n, 2, replace=False).tolist())
            scores[(i, j)] = float(rng.integers(0, 65) ** 2 // 64) / 64
        vetoed = set(rng.choice(n, min(2, n), replace=False).tolist())

        def allowed(a, b, vetoed=vetoed):
            return not (vetoed & set(a) and vetoed & set(b))

        groups = [[i] for i in range(n)]
        assert average_link(groups, scores, 0.25, allowed) == _average_link_by_hand(groups, scores, 0.25, allowed)
