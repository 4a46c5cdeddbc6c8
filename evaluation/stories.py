"""The newsclusters stories: reading them, and scoring system clusters against their gold (pure),
plus `run_stories`, which ingests each story into the current (scratch) database through the
service and scores what the API would show.

A story folder holds NN.json articles and gold.json (see ../shared/bench/newsclusters/README.md).
A gold member is an article number and an anchor; the system's claim for it is the claim of that
article whose text contains the anchor (whitespace collapsed). Scores, per story: members found,
pairwise precision / recall / F1 over found members, the recall of cross-language pairs, statuses
right (all found members in one cluster whose status matches; `not_contradiction` accepts any status
but contradiction), and cannot-link violations.

The reading and scoring part is pure Python; `run_stories` needs Django (it is only called by
`manage.py evaluate stories`, on a scratch database).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_STORIES_DIR = REPO.parent / "shared" / "bench" / "newsclusters"


@dataclass(frozen=True)
class Article:
    """One article of a story: its number (file stem), file and what `manage.py ingest` reads of it."""

    number: str
    path: Path
    text: str
    language: str
    published_at: str | None = None
    publisher: str = ""


@dataclass(frozen=True)
class Story:
    """A story folder: its articles, its gold clusters and the pairs of them that must stay apart."""

    name: str
    articles: tuple[Article, ...]
    clusters: dict  # name -> {"status", "kind", "members": [[NN, anchor], ...], "why"}
    cannot_link: tuple[tuple[str, str], ...]


def read_story(folder: Path) -> Story:
    """The articles (NN.json) and gold (gold.json) of one story folder."""
    articles = []
    for path in sorted(folder.glob("[0-9]*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        articles.append(
            Article(path.stem, path, data["text"], data.get("language", ""), data.get("published_at"),
                    data.get("publisher", ""))
        )  # fmt: skip
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    return Story(folder.name, tuple(articles), gold["clusters"], tuple(tuple(p) for p in gold.get("cannot_link", ())))


def read_stories(root: Path) -> list[Story]:
    """Every story folder (one with a gold.json) under `root`, by name."""
    if not root.is_dir():
        raise FileNotFoundError(f"no story folders at {root}")
    return [read_story(p) for p in sorted(root.iterdir()) if (p / "gold.json").is_file()]


def squash(text: str) -> str:
    """Whitespace collapsed, as anchors are compared."""
    return re.sub(r"\s+", " ", text).strip()


def claims_digest(claims: Iterable[tuple[str, str]]) -> str:
    """A digest of a story's claims as extracted, (article number, claim text) in any order and
    whitespace collapsed: `training.train_story_pairs` stores it beside the folds it fits, and
    `run_stories` compares it with the claims the service stores now, so a fold fitted on another
    extraction (the code changed, the folds were not refitted) is said, not silently scored."""
    digest = hashlib.sha256()
    for number, text in sorted((number, squash(text)) for number, text in claims):
        digest.update(f"{number}\t{text}\n".encode())
    return digest.hexdigest()[:16]


STALE_FOLD = (
    "WARNING: its clause model was fitted on another extraction of this story than the code gives now; "
    "refit: python -m training.train_story_pairs"
)


@dataclass(frozen=True)
class SystemClaim:
    """What the scorer needs of one stored claim."""

    id: int
    article: str  # the article number (file stem) of its source
    text: str
    cluster: int | None


def members(story: Story, claims: Sequence[SystemClaim]) -> list[tuple[str, str, str, SystemClaim | None]]:
    """Each gold member as (cluster name, article number, anchor, the claim holding it or None):
    the first claim of that article whose text contains the anchor, whitespace collapsed."""
    by_article: dict[str, list[SystemClaim]] = {}
    for c in claims:
        by_article.setdefault(c.article, []).append(c)
    found = []
    for name, cluster in story.clusters.items():
        for number, anchor in cluster["members"]:
            wanted = squash(anchor)
            hit = next((c for c in by_article.get(number, ()) if wanted in squash(c.text)), None)
            found.append((name, number, anchor, hit))
    return found


def gold_labels(story: Story, claims: Sequence[SystemClaim]) -> dict[int, str]:
    """Claim id -> gold cluster name, for the claims that hold a member's anchor (first member wins)."""
    labels: dict[int, str] = {}
    for name, _, _, hit in members(story, claims):
        if hit is not None:
            labels.setdefault(hit.id, name)
    return labels


@dataclass
class StoryScore:
    """One story's scores (or several stories' pooled: `add` sums the counts), with what went wrong."""

    story: str
    members: int = 0
    found: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    cross_pairs: int = 0
    cross_joined: int = 0
    gold_clusters: int = 0
    statuses_right: int = 0
    violations: int = 0
    articles: int = 0
    seconds: float = 0.0
    moved: int | None = None  # stored claims later articles moved (articles one at a time)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def cross_recall(self) -> float:
        return self.cross_joined / self.cross_pairs if self.cross_pairs else 0.0

    def add(self, other: StoryScore) -> None:
        """Pool another story's counts into these."""
        for name in ("members", "found", "tp", "fp", "fn", "cross_pairs", "cross_joined", "gold_clusters",
                     "statuses_right", "violations", "articles"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        if other.moved is not None:
            self.moved = (self.moved or 0) + other.moved

    def line(self) -> str:
        """The printed line: every score the newsclusters README asks for, and ingest time per article."""
        per_article = self.seconds / self.articles if self.articles else 0.0
        return (
            f"{self.story:<12} members found {self.found}/{self.members} ({self.found / max(1, self.members):.2f})  "
            f"pairwise P/R/F1 {self.precision:.2f}/{self.recall:.2f}/{self.f1:.2f}  "
            f"cross-language recall {self.cross_recall:.2f} ({self.cross_joined}/{self.cross_pairs})  "
            f"statuses {self.statuses_right}/{self.gold_clusters}  cannot-link violations {self.violations}  "
            f"ingest {per_article:.2f} s/article"
            + (f"  stored claims moved by later articles {self.moved}" if self.moved is not None else "")
        )


def score_story(
    story: Story, claims: Sequence[SystemClaim], status_of: dict[int, str], reason_of: dict[int, str] | None = None
) -> StoryScore:
    """Score one story's stored claims (`cluster` ids) and their clusters' statuses against its gold."""
    language = {a.number: a.language for a in story.articles}
    score = StoryScore(story.name, articles=len(story.articles))
    found: list[tuple[str, str, SystemClaim]] = []
    for name, number, anchor, hit in members(story, claims):
        score.members += 1
        if hit is None:
            score.misses.append(f"missing {name}: [{number}] {anchor}")
        else:
            score.found += 1
            found.append((name, number, hit))
    for (g1, a1, c1), (g2, a2, c2) in combinations(found, 2):
        together = c1.cluster is not None and c1.cluster == c2.cluster
        if g1 == g2:
            score.tp += together
            score.fn += not together
            if language.get(a1) != language.get(a2):
                score.cross_pairs += 1
                score.cross_joined += together
        else:
            score.fp += together
    clusters_of: dict[str, set[int | None]] = {}
    for name, _, claim in found:
        clusters_of.setdefault(name, set()).add(claim.cluster)
    for name, cluster in story.clusters.items():
        score.gold_clusters += 1
        got = clusters_of.get(name, set())
        if not got:
            score.misses.append(f"lost {name}: none of its members was found")
            continue
        if len(got) != 1:
            score.misses.append(f"split {name}: over {len(got)} clusters")
            continue
        cluster_id = next(iter(got))
        status = status_of.get(cluster_id)
        gold = cluster["status"]
        right = status != "contradiction" if gold == "not_contradiction" else status == gold
        score.statuses_right += right
        if not right:
            why = (reason_of or {}).get(cluster_id, "")
            score.misses.append(f"status {name}: {status}, gold {gold}" + (f" ({why})" if why else ""))
    for a, b in story.cannot_link:
        if (clusters_of.get(a, set()) & clusters_of.get(b, set())) - {None}:
            score.violations += 1
            score.misses.append(f"cannot-link {a} / {b}")
    return score


# Why a fact was split, most telling first (`split_causes`).
SHARED_CLAIM = "one of its claims states another fact too"
SLOTS_VETO = "a pair reaches the level but the slots veto the merge"
LINKAGE = "a pair reaches the level but the clusters' mean does not"
PAIR_SCORES = "no pair of its parts reaches the level"
SPLIT_CAUSES = (SHARED_CLAIM, SLOTS_VETO, LINKAGE, PAIR_SCORES)


def split_causes(
    story: Story,
    claims: Sequence[SystemClaim],
    score: Callable[[int, int], float],
    may_merge: Callable[[Sequence[int], Sequence[int]], bool],
    threshold: float,
) -> dict[str, str]:
    """Each gold cluster whose found members lie in two or more system clusters -> why, as one of
    `SPLIT_CAUSES`: a claim holding this fact's anchor and another's (it can sit in one cluster
    only); else, between two of its parts, a member pair scoring `threshold` or more (`score` of
    two claim ids) while the two clusters' claims may not merge (`may_merge` of their ids: the
    slots, as `clustering.can_merge` judges them); else such a
    pair, held apart by average link; else no member pair across its parts scoring that high.

    What `evaluate stories --misses` cannot say: whether recall is lost in the pair scores, in the
    clustering over them, or in the extraction, which each call for different work."""
    facts_of: dict[int, set[str]] = {}
    parts_of: dict[str, dict[int | None, set[int]]] = {}
    for name, _, _, hit in members(story, claims):
        if hit is not None:
            facts_of.setdefault(hit.id, set()).add(name)
            parts_of.setdefault(name, {}).setdefault(hit.cluster, set()).add(hit.id)
    in_cluster: dict[int | None, list[int]] = {}
    for c in claims:
        in_cluster.setdefault(c.cluster, []).append(c.id)
    causes = {}
    for name, parts in parts_of.items():
        if len(parts) < 2:
            continue
        if any(len(facts_of[i]) > 1 for ids in parts.values() for i in ids):
            causes[name] = SHARED_CLAIM
            continue
        cause = PAIR_SCORES
        for (ca, a), (cb, b) in combinations(parts.items(), 2):
            if not any(score(min(x, y), max(x, y)) >= threshold for x in a for y in b):
                continue
            whole_a = in_cluster[ca] if ca is not None else sorted(a)
            whole_b = in_cluster[cb] if cb is not None else sorted(b)
            if not may_merge(whole_a, whole_b):
                cause = SLOTS_VETO
                break
            cause = LINKAGE
        causes[name] = cause
    return causes


# How `run_stories` brings a story's articles in.
BATCH = "batch"  # as `manage.py ingest` does (batches of articles), then a full re-clustering
ONE_AT_A_TIME = "one"  # each article alone, by publication time, no re-clustering after
ARRIVALS = (BATCH, ONE_AT_A_TIME)


def _ingest(story: Story, articles: Sequence[Article]) -> None:
    from claims import services

    report = services.ingest_inputs([str(a.path) for a in articles])
    if report.errors:
        raise RuntimeError(f"{story.name}: {report.errors}")


def run_stories(
    root: Path, progress: Callable[[str], None] = print, only: Sequence[str] = (), arrivals: str = BATCH
) -> tuple[list[StoryScore], list[str]]:
    """Ingest each story alone into the current database (emptied first), re-cluster, and score it.

    Each story is clustered with the clause pair model fitted without it (the fold of
    `match_model.json` named after it, leave one story out); a story the model never saw uses the
    full model. Returns the scores and the protocol line for each story.

    `arrivals` ONE_AT_A_TIME scores what an editor sees between two scheduled rebuilds: each article
    ingested alone in order of publication, placed by the incremental path (each article's
    neighbourhood re-clustered), the stale statuses finished as the status job would, and no
    rebuild; the score also counts how many stored claims a later article moved to another
    cluster (each such move re-opens a status and asks an editor to look at a verdict again).
    """
    if arrivals not in ARRIVALS:
        raise ValueError(f"arrivals must be one of {ARRIVALS}, not {arrivals!r}")
    from claims import services
    from claims.models import Claim, ClaimLink, Cluster
    from newsclaims.matching import pairscore
    from sources.models import Source

    scores, protocol = [], []
    for story in read_stories(root):
        if only and story.name not in only:
            continue
        ClaimLink.objects.all().delete()
        Claim.objects.all().delete()
        Cluster.objects.all().delete()
        Source.objects.all().delete()
        with pairscore.held_out(story.name) as how:
            protocol.append(f"{story.name}: {how}")
            started = time.monotonic()
            moved = None
            if arrivals == BATCH:
                _ingest(story, story.articles)
                services.recluster()
            else:
                moved = 0
                for article in sorted(story.articles, key=lambda a: (a.published_at or "", a.number)):
                    before = dict(Claim.objects.values_list("id", "cluster_id"))
                    _ingest(story, [article])
                    now = dict(Claim.objects.filter(pk__in=before).values_list("id", "cluster_id"))
                    moved += sum(now[pk] != cluster_id for pk, cluster_id in before.items() if pk in now)
                services.refresh_stale_statuses()
            seconds = time.monotonic() - started
        rows = Claim.objects.values_list("id", "source__origin", "text", "cluster_id")
        claims = [SystemClaim(pk, Path(origin).stem, text, cluster) for pk, origin, text, cluster in rows]
        model = pairscore.get_model()
        fitted_on = model.chosen_by.get("clause_extraction", {}) if model is not None else {}
        if story.name in fitted_on and fitted_on[story.name] != claims_digest((c.article, c.text) for c in claims):
            protocol[-1] += f" -- {STALE_FOLD}"
        status_of = dict(Cluster.objects.values_list("id", "status"))
        reason_of = dict(Cluster.objects.values_list("id", "status_reason"))
        score = score_story(story, claims, status_of, reason_of)
        score.seconds, score.moved = seconds, moved
        progress(score.line())
        scores.append(score)
    return scores, protocol
