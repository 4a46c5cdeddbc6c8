"""Matching benchmark on the real pipeline: ANS dev as a clustering task, and the seeds gold.

Runs inside Django on a scratch database (never the service's own): every ANS dev headline is
imported as its own claim from its own source (the `import_claims` path), everything is
re-clustered, and the clusters are scored against the gold claims (`evaluation.ans`: each s1 with
its agree/disagree s2s, joined where a headline recurs) with B-cubed precision/recall/F1. A
gold claim of two or more headlines has the right status when most of its headlines sit in
clusters of its gold status: contradiction if it holds a disagree row, else agreement.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from claims import services
from claims.models import Claim
from evaluation.ans import bcubed, read_split
from evaluation.gold import score_matching_gold
from sources.readers import SourceInput

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DIR = REPO.parent / "shared" / "bench"
SEEDS_GOLD = REPO / "tests" / "data" / "seeds_matching_gold.json"


def run_ans(bench_dir: Path, progress: Callable[[str], None] = print) -> dict:
    """Import ANS dev headlines as claims, re-cluster, score. Writes to the current database."""
    split = read_split(bench_dir / "ans" / "stance_dev.csv")
    headlines = split.headlines
    started = time.monotonic()
    items = [SourceInput(text=text, origin=f"ans-dev:{i}", publisher=f"ans-{i}") for i, text in enumerate(headlines)]
    report = services.import_statements(items)
    source_of = {s.text: s.pk for s in report.created + report.existing}
    imported = time.monotonic() - started
    progress(f"  imported {len(source_of)} headlines in {imported:.1f}s")
    report = services.recluster()
    cluster_of_source = dict(Claim.objects.values_list("source_id", "cluster_id"))
    status_of = dict(Claim.objects.values_list("source_id", "cluster__status"))
    predicted = [cluster_of_source[source_of[h]] for h in headlines]
    precision, recall, f1 = bcubed(predicted, split.group)
    # A gold claim's status is right when the status most of its members' clusters have is the
    # gold one: contradiction when it holds a disagree row, else agreement (a claim left in
    # single-source pieces is wrong).
    members = defaultdict(list)
    for h, g in zip(headlines, split.group, strict=True):
        members[g].append(status_of[source_of[h]])
    groups = {g: statuses for g, statuses in members.items() if len(statuses) > 1}
    right = sum(
        Counter(statuses).most_common(1)[0][0] == ("contradiction" if g in split.disagree_groups else "agreement")
        for g, statuses in groups.items()
    )
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
        "unexpected_failures": len(gold.unexpected()),
        "failures": [
            f + (f"  (known miss: {gold.known_misses[f.split(': ', 1)[0]]})" if f not in gold.unexpected() else "")
            for f in gold.failures
        ],
    }


def model_line() -> str:
    return (
        f"model {settings.FACTCHECK_EMBEDDING_MODEL}, threshold {settings.FACTCHECK_CLUSTER_THRESHOLD}, "
        f"same-moment window {settings.FACTCHECK_SAME_MOMENT_DAYS} days"
    )
