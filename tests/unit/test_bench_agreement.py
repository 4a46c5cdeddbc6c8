"""The scale bench compares two clusterings by their same-cluster pairs."""

from __future__ import annotations

from evaluation.bench_scale import pairwise, same_cluster_pairs


def test_same_cluster_pairs_are_each_pair_of_claims_sharing_a_cluster_once():
    clusters = {1: 10, 2: 10, 3: 10, 4: 20, 5: None, 6: 30}
    assert same_cluster_pairs(clusters) == {(1, 2), (1, 3), (2, 3)}
    assert same_cluster_pairs(clusters, among={3}) == {(1, 3), (2, 3)}  # pairs with a claim of `among`
    assert same_cluster_pairs({1: 10, 2: 20}) == set()


def test_pairwise_scores_a_clustering_against_another():
    got = same_cluster_pairs({1: 1, 2: 1, 3: 1, 4: 2})  # 1-2, 1-3, 2-3
    want = same_cluster_pairs({1: 5, 2: 5, 3: 6, 4: 6})  # 1-2, 3-4
    assert pairwise(got, want) == {"precision": 1 / 3, "recall": 1 / 2, "f1": 0.4}
    assert pairwise(want, want)["f1"] == 1.0
    assert pairwise(set(), want) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
