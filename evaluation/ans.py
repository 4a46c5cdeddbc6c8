"""ANS (Arabic News Stance) as a claim-clustering benchmark: gold groups and B-cubed scores.

ANS rows are (headline s1, rewrite s2, stance). A headline, its paraphrases (agree) and its
contradictions (disagree) state one claim, whose status is contradiction when a disagree row
is inside; an "other" row's s2 belongs elsewhere. A headline appearing in two rows (ANS reuses
paraphrases as headlines of further rows) joins their groups: the gold clusters are the
connected components of the agree/disagree rows, since one headline cannot sit in two
clusters. Pure Python.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Split:
    """One ANS split as a clustering problem: headlines and their gold group."""

    headlines: list[str]
    group: list[int]
    disagree_groups: set[int]


def read_split(path: Path) -> Split:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append((row["s1"].strip(), row["s2"].strip(), row["stance"].strip()))
    headlines = list(dict.fromkeys(h for r in rows for h in r[:2]))
    parent = {h: h for h in headlines}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s1, s2, stance in rows:
        if stance in ("agree", "disagree"):
            a, b = find(s1), find(s2)
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots: dict[str, int] = {}
    group = [roots.setdefault(find(h), len(roots)) for h in headlines]
    index = {h: i for i, h in enumerate(headlines)}
    disagree = {group[index[s1]] for s1, _, stance in rows if stance == "disagree"}
    return Split(headlines, group, disagree)


def bcubed(labels: Sequence[int], gold: Sequence[int]) -> tuple[float, float, float]:
    by_label, by_gold = defaultdict(set), defaultdict(set)
    for i, (label, g) in enumerate(zip(labels, gold, strict=True)):
        by_label[label].add(i)
        by_gold[g].add(i)
    precision = recall = 0.0
    for label, g in zip(labels, gold, strict=True):
        overlap = len(by_label[label] & by_gold[g])
        precision += overlap / len(by_label[label])
        recall += overlap / len(by_gold[g])
    n = len(labels)
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall)
