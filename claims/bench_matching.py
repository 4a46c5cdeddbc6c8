"""Matching benchmark on the real pipeline: ANS dev as a clustering task, and the seeds gold.

Runs inside Django on a scratch database (never the service's own): every ANS dev headline is
imported as its own claim from its own source (the `import_claims` path), everything is
re-clustered, and the clusters are scored against the gold groups (each s1 with its s2s; an
"other" pair's s2 belongs elsewhere) with B-cubed precision/recall/F1; a gold group's status
is right when its s1's cluster is `contradiction` exactly when the group holds a disagree pair.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from claims import services
from claims.gold import score_matching_gold
from claims.models import Claim
from sources.readers import SourceInput

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DIR = REPO.parent / "shared" / "bench"
SEEDS_GOLD = REPO / "tests" / "data" / "seeds_matching_gold.json"


def ans_gold(path: Path) -> tuple[list[str], dict[str, int], dict[int, bool]]:
    """Headlines, gold group per headline, and whether each group holds a disagree pair."""
    headlines: list[str] = []
    group_of: dict[str, int] = {}
    disagree: dict[int, bool] = defaultdict(bool)
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            s1, s2, stance = row["s1"].strip(), row["s2"].strip(), row["stance"].strip()
            if s1 not in group_of:
                group_of[s1] = len(group_of)
                headlines.append(s1)
            if s2 in group_of:
                continue  # a headline that appears twice keeps its first group
            group_of[s2] = group_of[s1] if stance in ("agree", "disagree") else len(group_of) + 10**6
            headlines.append(s2)
            disagree[group_of[s1]] |= stance == "disagree"
    return headlines, group_of, dict(disagree)


def bcubed(predicted: dict[str, int], gold: dict[str, int]) -> tuple[float, float, float]:
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for item, label in predicted.items():
        by_pred[label].add(item)
    for item, label in gold.items():
        by_gold[label].add(item)
    precision = recall = 0.0
    for item in predicted:
        same_pred, same_gold = by_pred[predicted[item]], by_gold[gold[item]]
        overlap = len(same_pred & same_gold)
        precision += overlap / len(same_pred)
        recall += overlap / len(same_gold)
    n = len(predicted)
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall)


def run_ans(bench_dir: Path, progress: Callable[[str], None] = print) -> dict:
    """Import ANS dev headlines as claims, re-cluster, score. Writes to the current database."""
    headlines, gold, disagree = ans_gold(bench_dir / "ans" / "stance_dev.csv")
    started = time.monotonic()
    items = [SourceInput(text=text, origin=f"ans-dev:{i}", publisher=f"ans-{i}") for i, text in enumerate(headlines)]
    report = services.import_statements(items)
    source_of = {s.text: s.pk for s in report.created + report.existing}
    imported = time.monotonic() - started
    progress(f"  imported {len(source_of)} headlines in {imported:.1f}s")
    report = services.recluster()
    cluster_of_source = dict(Claim.objects.values_list("source_id", "cluster_id"))
    status_of = dict(Claim.objects.values_list("source_id", "cluster__status"))
    predicted = {h: cluster_of_source[source_of[h]] for h in headlines}
    precision, recall, f1 = bcubed(predicted, gold)
    groups = {gold[h]: h for h in headlines if gold[h] < 10**6 and h in source_of and gold[h] in disagree}
    right = sum((status_of[source_of[s1]] == "contradiction") == disagree[group] for group, s1 in groups.items())
    return {
        "headlines": len(headlines),
        "gold_groups": len(groups),
        "clusters": report.clusters,
        "bcubed_precision": precision,
        "bcubed_recall": recall,
        "bcubed_f1": f1,
        "status_accuracy": right / len(groups) if groups else 0.0,
        "seconds_import": imported,
    }


def run_seeds(seeds_dir: Path) -> dict:
    """Ingest the seeds into the current database and score the matching gold."""
    services.ingest_inputs([str(seeds_dir)])
    gold = score_matching_gold(SEEDS_GOLD)
    return {
        "groups_together": f"{gold.groups_together}/{gold.groups_total}",
        "statuses_right": f"{gold.statuses_right}/{gold.groups_total}",
        "pairs_apart": f"{gold.pairs_apart}/{gold.pairs_total}",
        "failures": gold.failures,
    }


def model_line() -> str:
    return (
        f"model {settings.FACTCHECK_EMBEDDING_MODEL}, threshold {settings.FACTCHECK_CLUSTER_THRESHOLD}, "
        f"same-moment window {settings.FACTCHECK_SAME_MOMENT_DAYS} days"
    )
