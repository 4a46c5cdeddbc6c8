"""Greedy clustering and stable ids, on hand-made vectors."""

import numpy as np

from claims.clustering import cluster_all, stable_ids
from claims.matching import ClaimSlots


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_similar_claims_share_a_cluster_and_dissimilar_ones_do_not():
    slots = [ClaimSlots(i, i) for i in range(3)]
    vectors = np.stack([unit(1, 0, 0), unit(0.95, 0.05, 0), unit(0, 0, 1)])
    assert cluster_all(slots, vectors, threshold=0.8) == [0, 0, 1]


def test_incompatible_slots_split_even_identical_vectors():
    slots = [ClaimSlots(0, 0, "whatsapp"), ClaimSlots(1, 1, "telegram"), ClaimSlots(2, 2, "whatsapp")]
    vectors = np.stack([unit(1, 0), unit(1, 0), unit(1, 0)])
    assert cluster_all(slots, vectors, threshold=0.5) == [0, 1, 0]


def test_a_chain_cannot_carry_a_claim_into_a_cluster_it_conflicts_with():
    # b is compatible with both, but a and c are not compatible with each other.
    slots = [ClaimSlots(0, 0, "whatsapp"), ClaimSlots(1, 1, None), ClaimSlots(2, 2, "telegram")]
    vectors = np.stack([unit(1, 0), unit(1, 0.1), unit(1, 0.2)])
    labels = cluster_all(slots, vectors, threshold=0.5)
    assert labels[0] == labels[1] and labels[2] != labels[0]


def test_the_same_input_always_gives_the_same_labels():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    slots = [ClaimSlots(i, i % 5) for i in range(60)]
    assert cluster_all(slots, vectors, 0.3) == cluster_all(slots, vectors.copy(), 0.3)


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
