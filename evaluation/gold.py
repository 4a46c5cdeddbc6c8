"""Resolving a matching gold file (claims named by seed and text) against stored claims, and
scoring it. Used by the tests and by `manage.py evaluate matching`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from claims.models import Claim
from newsclaims.text.entities import normalise


@dataclass
class GoldReport:
    groups_together: int = 0
    groups_total: int = 0
    statuses_right: int = 0
    pairs_apart: int = 0
    pairs_total: int = 0
    failures: list[str] = field(default_factory=list)
    known_misses: dict[str, str] = field(default_factory=dict)  # failure name -> why (recorded in the gold)

    def unexpected(self) -> list[str]:
        """Failures the gold does not record as known misses."""
        return [f for f in self.failures if f.split(": ", 1)[0] not in self.known_misses]

    def fixed(self) -> list[str]:
        """Known misses that no longer fail (the gold should drop them)."""
        names = {f.split(": ", 1)[0] for f in self.failures}
        return [name for name in self.known_misses if name not in names]

    @property
    def ok(self) -> bool:
        return not self.failures


def _find(claims: list[Claim], seed: str, needle: str) -> Claim | None:
    wanted = normalise(needle)
    for claim in claims:
        if claim.source.origin.rsplit("/", 1)[-1].startswith(seed + "_") and wanted in normalise(claim.text):
            return claim
    return None


def score_matching_gold(path: Path) -> GoldReport:
    gold = json.loads(path.read_text(encoding="utf-8"))
    claims = list(Claim.objects.select_related("source", "cluster").order_by("id"))
    report = GoldReport(known_misses=dict(gold.get("known_misses", {})))
    for group in gold["together"]:
        report.groups_total += 1
        found = [(ref, _find(claims, *ref)) for ref in group["claims"]]
        missing = [ref for ref, claim in found if claim is None]
        if missing:
            report.failures.append(f"{group['name']}: no claim for {missing}")
            continue
        clusters = {claim.cluster_id for _, claim in found}
        if len(clusters) != 1:
            report.failures.append(f"{group['name']}: split over clusters {sorted(clusters)}")
            continue
        report.groups_together += 1
        status = found[0][1].cluster.status
        if status == group["status"]:
            report.statuses_right += 1
        else:
            report.failures.append(f"{group['name']}: status {status}, expected {group['status']}")
    for a, b in gold["apart"]:
        report.pairs_total += 1
        ca, cb = _find(claims, *a), _find(claims, *b)
        if ca is None or cb is None:
            report.failures.append(f"apart {a[1]} / {b[1]}: claim not found")
        elif ca.cluster_id == cb.cluster_id:
            report.failures.append(f"apart {a[1]} / {b[1]}: both in cluster {ca.cluster_id}")
        else:
            report.pairs_apart += 1
    return report
