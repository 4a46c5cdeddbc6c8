"""How likely two claims state the same fact: a small learned pair model over cheap evidence.

Cosine similarity alone is a weak "same claim" signal: every news claim about one story sits
close to every other (ANS dev: unrelated headlines reach cosine 0.87 under use+e5, while a
paraphrase with its verb swapped can fall to 0.75). So the pair probability combines:

- the cosine of each encoder part of the stored vector (USE and e5 disagree usefully);
- the hubness-corrected cosine (CSLS, Conneau et al. 2018): ``2 cos(a, b) - r_a - r_b``, where
  ``r_x`` is the mean cosine of x's nearest other-source claims. A claim in a crowded topic
  needs more than its neighbours' typical closeness to count as a match; an isolated one less;
- for two claims in one language, word evidence: shared stems (Jaccard and overlap) and
  shared character 4-grams. Between languages words say nothing, so cross-language pairs use
  a second model on the vector features only (thresholds per language pair, in effect).

Article clauses (rather than standalone statements) are held to more evidence by two offsets on
the logit: one for every clause pair (most clauses have no partner) and a further one for clause
pairs in one language that share no content word beyond names (`shares_content`): clauses of one
story share its names, so a shared name is not evidence of one fact, a shared verb or object is.

The weights are a logistic regression trained by ``python -m training.train_matching`` on ANS
train (Arabic news headlines: a headline, its paraphrases and its contradictions are one
claim; nearest other headlines are the negatives) and stored in ``newsclaims/matching/data/match_model.json``
with the threshold and the figures that chose it.

A pair involving an article clause is also scored by the **clause model** (`PairModel.clause_model`,
over `newsclaims.matching.pairfeatures`, trained by ``python -m training.train_story_pairs`` on
real news stories, leave one story out) and takes the larger of the two probabilities; the
offsets above then only shape the headline model's view. `held_out(story)` swaps in the fold
fitted without a story, for evaluation. Pure numpy and Python: no Django.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from sys import intern

import numpy as np

from newsclaims.matching import neighbours
from newsclaims.text.entities import GENERIC_NOUNS, is_name
from newsclaims.text.quantities import quantities_in
from newsclaims.text.textnorm import ARABIC_CLITICS, normalize

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "match_model.json"

# Neighbours whose mean cosine is a claim's density r_x (CSLS uses 10 in retrieval; claims
# have few true partners, so fewer keep the partner itself from dominating less).
DENSITY_K = 5

_TOKEN_RE = re.compile(r"\w+")

# The regressions' inputs, in order (see `pair_row`); "cos" and "csls" take one value per encoder part.
SAME_LANGUAGE_FEATURES = ("cos", "csls", "stem_jaccard", "stem_overlap", "char4_jaccard")
CROSS_LANGUAGE_FEATURES = ("cos", "csls")


# Words that carry no fact of their own: particles, prepositions, pronouns, auxiliaries, and the
# reporting verbs of attribution (who says it, not what happened). Compared after `_stem`.
_FUNCTION_WORDS_TEXT = """
في من الى إلى على عن مع ان أن إن انه أنه انها أنها هذا هذه ذلك تلك هو هي هم التي الذي الذين
كما ايضا أيضا قد لقد حيث بعد قبل منذ خلال عند بين حول ضد دون غير كل بعض أي او أو ثم لا لم لن ما
مما كان كانت وفي وقد ذاته نفس تم قال قالت وقال وقالت اكد أكد اضاف أضاف
the a an of to in on at by for from with as and or but not no that which who this these those it its
is are was were be been has have had will would can could also said says told
"""


@lru_cache(maxsize=65536)  # per token: a text's evidence stems each of its words
def stem(token: str) -> str:
    for prefix in ARABIC_CLITICS:  # a stem keeps at least 3 letters
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            return token[len(prefix) :]
    return token


FUNCTION_WORDS = frozenset(stem(t) for t in _TOKEN_RE.findall(normalize(_FUNCTION_WORDS_TEXT).lower()))
# Generic head nouns ("the company", "التطبيق") stand for a name of the story, and say no more than it.
_NAME_LIKE = frozenset(stem(normalize(w).lower()) for w in GENERIC_NOUNS)


@dataclass(frozen=True)
class TextEvidence:
    """Word-level pieces of one claim's text, computed once per claim."""

    stems: frozenset[str]
    char4: frozenset[str]
    # The stems that are names: the alias table's entities and places, and capitalised Latin words.
    names: frozenset[str] = frozenset()


@lru_cache(maxsize=65536)
def text_evidence(text: str) -> TextEvidence:
    cased = normalize(text)
    norm = cased.lower()
    # Interned: a rebuild holds every claim's evidence at once, and the same stems and 4-grams
    # recur across claims; one string each instead of one per claim took a claim's evidence from
    # about 10 to 5 KB (100,000 claims: about half a gigabyte less), with the same sets.
    stems = frozenset(intern(stem(t)) for t in _TOKEN_RE.findall(norm))
    tokens = _TOKEN_RE.findall(cased)
    # A capital marks a name except at the start, where English capitalises any word ("Critics ...").
    names = frozenset(
        intern(stem(t.lower())) for k, t in enumerate(tokens) if is_name(t) or (k > 0 and t[:1].isupper())
    )
    squeezed = "".join(norm.split())
    return TextEvidence(stems, frozenset(intern(squeezed[i : i + 4]) for i in range(max(1, len(squeezed) - 3))), names)


@lru_cache(maxsize=8192)
def text_figures(text: str) -> tuple[dict, ...]:
    """The figures a claim's text gives (`quantities_in`, as dicts; read, never changed), once per
    text: assigning scores each new claim against claims a worker has met before."""
    return tuple(q.to_dict() for q in quantities_in(text))


def shares_content(a: TextEvidence, b: TextEvidence) -> bool:
    """Whether two texts share a content word: a stem that is not a function word, a name or a
    generic noun standing for one ("the app").

    Two statements of one fact in one language share what happened or to what (the verb, its
    object, a figure). Names alone are weak: every clause of a story names its actors and places.
    """
    return bool((a.stems & b.stems) - FUNCTION_WORDS - _NAME_LIKE - a.names - b.names)


def word_features(a: TextEvidence, b: TextEvidence) -> tuple[float, float, float]:
    """Stem Jaccard, stem overlap coefficient, character 4-gram Jaccard.

    A union's size is counted from the intersection's (|A| + |B| - |A & B|, the same integer, so
    the same bits), without building the union: a rebuild takes this for most of its pairs."""
    stems_a, stems_b, grams_a, grams_b = a.stems, b.stems, a.char4, b.char4
    shared = len(stems_a & stems_b)
    grams = len(grams_a & grams_b)
    return (
        shared / max(1, len(stems_a) + len(stems_b) - shared),
        shared / max(1, min(len(stems_a), len(stems_b))),
        grams / max(1, len(grams_a) + len(grams_b) - grams),
    )


def pair_row(
    cosines: Sequence[float],
    density_a: Sequence[float],
    density_b: Sequence[float],
    words: tuple[float, float, float] | None = None,
) -> list[float]:
    """One pair's regression inputs: per-part cosines, per-part CSLS (`2 cos - r_a - r_b`), then
    the word features when both claims are in one language. Training and scoring both use it."""
    csls = [2 * c - ra - rb for c, ra, rb in zip(cosines, density_a, density_b, strict=True)]
    return [*cosines, *csls, *(words or ())]


def split_parts(vectors: np.ndarray, bounds: Sequence[int]) -> list[np.ndarray]:
    """The encoder parts of stored vectors (cumulative ends `bounds`), each L2-normalised."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    parts, start = [], 0
    for end in bounds:
        part = vectors[:, start:end]
        norm = np.linalg.norm(part, axis=1, keepdims=True)
        parts.append(part / np.where(norm == 0, 1.0, norm))
        start = end
    return parts


def top_cosines(
    parts: Sequence[np.ndarray],
    groups: Sequence[int],
    k: int = DENSITY_K,
    chunk: int = 2048,
    exact_limit: int = neighbours.EXACT_LIMIT,
    insertion: np.ndarray | None = None,
) -> list[list[list[float]]]:
    """Per claim and encoder part, the cosines of its k nearest claims from other groups (sources),
    highest first.

    Claims of the same source (an article's own translation, its other clauses) are skipped:
    they say how the article is written, not how crowded the topic is. Stored per claim, so a
    newcomer can update its neighbours' lists without a rebuild (`insert_cosine`).

    Up to `exact_limit` claims the search is exact (`neighbours.exact_nearest`, `chunk` rows at a
    time: the values are the k highest of each row's cosines, as sorting whole rows gave); past
    it, from an HNSW index of each part (`neighbours.approximate_nearest`, claims inserted in
    ascending `insertion` key: older claims first).
    """
    groups = np.asarray(groups)
    n = len(groups)
    out: list[list[list[float]]] = [[[] for _ in parts] for _ in range(n)]
    if n < 2:
        return out
    for p, part in enumerate(parts):
        found = neighbours.nearest(
            part, k, exclude_groups=groups, exact_limit=exact_limit, chunk=chunk, insertion=insertion
        )
        for row, values in enumerate(found.cosines):
            out[row][p] = [round(float(x), 5) for x in values if np.isfinite(x)]
    return out


def densities_of(tops: Sequence[Sequence[Sequence[float]] | None], parts: int) -> np.ndarray:
    """r_x per claim and part, as an (n, parts) float32 array: the mean of each claim's stored
    nearest cosines (0 when none). The rows of one length are averaged together, which gives each
    row's `np.mean` bit for bit at a fraction of a call per claim (a scorer is built for every
    neighbourhood and status refresh)."""
    out = np.zeros((len(tops), parts), dtype=np.float64)
    for p in range(parts):
        by_length: dict[int, list[int]] = {}
        for row, top in enumerate(tops):
            if top and len(top[p]):
                by_length.setdefault(len(top[p]), []).append(row)
        for rows in by_length.values():
            out[rows, p] = np.array([tops[r][p] for r in rows], dtype=np.float64).mean(axis=1)
    return out.astype(np.float32)


def densities(parts: Sequence[np.ndarray], groups: Sequence[int], k: int = DENSITY_K) -> np.ndarray:
    """r_x per claim and part (see `top_cosines`), as an (n, parts) array."""
    return densities_of(top_cosines(parts, groups, k), len(parts))


def insert_cosine(top: list[list[float]] | None, cosines: Sequence[float], k: int) -> list[list[float]]:
    """A claim's nearest-cosine lists after a new other-source claim at `cosines` (per part)."""
    top = top or [[] for _ in cosines]
    return [sorted([*values, round(float(c), 5)], reverse=True)[:k] for values, c in zip(top, cosines, strict=True)]


@dataclass(frozen=True)
class Logistic:
    """One logistic regression over named features (per encoder part where the name is a vector feature)."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float

    def logit(self, row: Sequence[float]) -> float:
        return self.intercept + sum(c * x for c, x in zip(self.coef, row, strict=True))


@dataclass(frozen=True)
class PairModel:
    """The trained pair model of one embedding model, with its threshold and provenance."""

    model_name: str
    bounds: tuple[int, ...]
    same_language: Logistic
    cross_language: Logistic
    threshold: float
    density_k: int = DENSITY_K
    # Added to the logit when both claims give one figure of one subject and unit
    # (matching.same_figure): slots are evidence the words and vectors do not see.
    same_figure_logit: float = 2.0
    # Added to the logit when either claim is a clause extracted from an article rather than a
    # standalone statement (an imported claim, a headline). The model learned on ANS headlines,
    # nearly all of which have a partner; most clauses of an article have none, and they share
    # their story's words and topic, so the same evidence is weaker. A prior shift, set on the seeds.
    clause_logit: float = 0.0
    # Added, besides `clause_logit`, when a pair involving an article clause is in one language and
    # shares no content word beyond names (`shares_content`). The clauses of one story share its
    # names, and each clause's embedded text carries its subject in, so two different events of the
    # story ("Moscow ordered the app pre-installed", "after Moscow launched its war") sit as close
    # as paraphrases; what tells them apart is the verb and its object, which a restatement
    # shares. Headline pairs without a shared content word are already calibrated on ANS, so
    # two standalone statements do not get it. Set on the seeds (see `chosen_by`).
    no_content_logit: float = 0.0
    # The clause model (`newsclaims.matching.pairfeatures`, `python -m training.train_story_pairs`):
    # when present it scores every pair that involves an article clause, in place of the headline
    # model and the two offsets above. Trained on real news stories, whose clause pairs the
    # headline model never saw. `clause_threshold` is the level its training chose; its logits are
    # shifted so that level lands on `threshold`, the one clustering level of the service.
    clause_model: Logistic | None = None
    clause_threshold: float = 0.5
    # story name -> the clause model fitted without that story ({"features", "coef", "intercept",
    # "threshold", "trained_on"}): what `evaluate stories` scores each story with.
    clause_folds: dict = field(default_factory=dict)
    chosen_by: dict = field(default_factory=dict)

    @property
    def clause_shift(self) -> float:
        """Added to the clause model's logit so that its own threshold maps onto `threshold`."""
        return _logit(self.threshold) - _logit(self.clause_threshold)

    def with_fold(self, story: str) -> PairModel:
        """This model with its clause model replaced by the fold fitted without `story`."""
        fold = self.clause_folds[story]
        return replace(self, clause_model=_clause_logistic(fold), clause_threshold=float(fold["threshold"]))

    def probability(
        self,
        cosines: Sequence[float],
        density_a: Sequence[float],
        density_b: Sequence[float],
        evidence_a: TextEvidence | None,
        evidence_b: TextEvidence | None,
        same_language: bool,
        same_figure: bool = False,
        clause: bool = False,
    ) -> float:
        """P(same claim) for one pair, from its per-part cosines, densities and text evidence;
        `clause`: at least one of the two is a clause of an article (see `clause_logit` and
        `no_content_logit`)."""
        if same_language and evidence_a is not None and evidence_b is not None:
            logistic = self.same_language
            words = word_features(evidence_a, evidence_b)
        else:
            logistic, words = self.cross_language, None
        z = logistic.logit(pair_row(cosines, density_a, density_b, words))
        if same_figure:
            z += self.same_figure_logit
        if clause:
            z += self.clause_logit
            if words is not None and not shares_content(evidence_a, evidence_b):
                z += self.no_content_logit
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_dict(self) -> dict:
        def lg(x: Logistic) -> dict:
            return {"features": list(x.features), "coef": list(x.coef), "intercept": x.intercept}

        return {
            "model_name": self.model_name,
            "bounds": list(self.bounds),
            "same_language": lg(self.same_language),
            "cross_language": lg(self.cross_language),
            "threshold": self.threshold,
            "density_k": self.density_k,
            "same_figure_logit": self.same_figure_logit,
            "clause_logit": self.clause_logit,
            "no_content_logit": self.no_content_logit,
            "clause_model": (
                {**logistic_dict(self.clause_model), "threshold": self.clause_threshold}
                if self.clause_model is not None
                else None
            ),
            "clause_folds": self.clause_folds,
            "chosen_by": self.chosen_by,
        }

    @classmethod
    def from_dict(cls, data: dict) -> PairModel:
        def lg(x: dict) -> Logistic:
            features = tuple(x["features"])
            unknown = set(features) - set(SAME_LANGUAGE_FEATURES)
            if unknown:
                raise ValueError(f"unknown pair features: {sorted(unknown)}")
            if features not in (SAME_LANGUAGE_FEATURES, CROSS_LANGUAGE_FEATURES):
                raise ValueError(f"pair features {features} are not laid out as {SAME_LANGUAGE_FEATURES} or a prefix")
            return Logistic(features, tuple(float(c) for c in x["coef"]), float(x["intercept"]))

        return cls(
            model_name=str(data["model_name"]),
            bounds=tuple(int(b) for b in data["bounds"]),
            same_language=lg(data["same_language"]),
            cross_language=lg(data["cross_language"]),
            threshold=float(data["threshold"]),
            density_k=int(data.get("density_k", DENSITY_K)),
            same_figure_logit=float(data.get("same_figure_logit", 2.0)),
            clause_logit=float(data.get("clause_logit", 0.0)),
            no_content_logit=float(data.get("no_content_logit", 0.0)),
            clause_model=_clause_logistic(data["clause_model"]) if data.get("clause_model") else None,
            clause_threshold=float((data.get("clause_model") or {}).get("threshold", 0.5)),
            clause_folds={name: dict(fold) for name, fold in (data.get("clause_folds") or {}).items()},
            chosen_by=dict(data.get("chosen_by", {})),
        )


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def logistic_dict(logistic: Logistic) -> dict:
    return {"features": list(logistic.features), "coef": list(logistic.coef), "intercept": logistic.intercept}


def _clause_logistic(data: dict) -> Logistic:
    from newsclaims.matching.pairfeatures import FEATURES  # imports this module

    features = tuple(data["features"])
    if features != FEATURES:
        raise ValueError(f"clause model features {features} are not {FEATURES}: retrain (training.train_story_pairs)")
    return Logistic(features, tuple(float(c) for c in data["coef"]), float(data["intercept"]))


def save_model(model: PairModel, path: Path = DEFAULT_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def load_model(path: Path = DEFAULT_PATH) -> PairModel | None:
    """The stored pair model, or None when there is none."""
    if not path.exists():
        return None
    return PairModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def get_model() -> PairModel | None:
    return load_model()


_held_out: list[PairModel] = []


def model_for(model_name: str) -> PairModel | None:
    """The pair model trained on this embedding model's vectors, if there is one (inside
    `held_out`, the fold that did not see the story being evaluated)."""
    model = _held_out[-1] if _held_out else get_model()
    return model if model is not None and model.model_name == model_name else None


@contextmanager
def held_out(story: str):
    """Score clause pairs with the clause model fitted without `story` (leave one story out), for
    evaluation only; yields a line that says which model that is."""
    model = get_model()
    if model is None or model.clause_model is None:
        yield "no clause model (headline model and offsets)"
        return
    if story in model.clause_folds:
        fold = model.with_fold(story)
        trained_on = ", ".join(model.clause_folds[story].get("trained_on", [])) or "the other stories"
        how = f"clause model fitted without it (on {trained_on}), threshold {fold.clause_threshold}"
    else:
        fold = model
        trained = model.chosen_by.get("clause_stories", [])
        how = "the full clause model" + (
            " (WHICH WAS TRAINED ON THIS STORY)" if story in trained else " (never saw this story)"
        )
    _held_out.append(fold)
    try:
        yield how
    finally:
        _held_out.pop()


def nearest_from(
    vector_parts: Sequence[np.ndarray], neighbour_parts: Sequence[np.ndarray], k: int
) -> list[list[float]]:
    """One claim's nearest-cosine lists from the parts of its candidate neighbours (other sources)."""
    return top_k([others @ own.reshape(-1) for own, others in zip(vector_parts, neighbour_parts, strict=True)], k)


def top_k(cosines_per_part: Sequence[np.ndarray], k: int) -> list[list[float]]:
    """The k highest of each part's cosines, highest first (the stored form of nearest cosines)."""
    return [[round(float(x), 5) for x in np.sort(np.asarray(c))[::-1][:k]] for c in cosines_per_part]


# Pairs `ClaimScorer.score_many` scores at once: its gathered rows (each pair's two vectors, and
# one claim's against every claim of the other's source, for the margins) stay a few MB.
BATCH_PAIRS = 1024
# Up to this many claims, a scorer holds its vectors' parts in float64 too (7 KB a claim at 896
# dimensions: 35 MB at the limit), so a cosine gathers rows already converted instead of
# converting each gathered row again (the same values: float32 -> float64 is exact). Assignment's
# and the status refresh's scorers hold a few hundred claims; a rebuild's, the corpus.
FLOAT64_PARTS_LIMIT = 5000


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), clipped to +-60, with `math.exp` a value at a time: libm's exp, as the
    per-pair scoring always used, rather than numpy's vectorised one, whose bits follow the CPU."""
    return np.array([1.0 / (1.0 + math.exp(-x)) for x in np.clip(z, -60.0, 60.0).tolist()], dtype=np.float64)


def _logits(logistic: Logistic, rows: np.ndarray) -> np.ndarray:
    """`Logistic.logit` of each row (a matrix product, summed row by row: each row's bits are the
    same in any batch, which a BLAS product does not promise)."""
    return logistic.intercept + (rows * np.asarray(logistic.coef, dtype=np.float64)).sum(axis=1)


class ClaimScorer:
    """Pair probabilities among a fixed list of claims (a rebuild, or one claim and its candidates).

    `score_many` scores pairs in batches, with numpy for the vector features and per-claim caches
    for the text ones; `score` is one pair of it. Each pair's value comes from its two claims and
    their sources alone, computed row by row, so it is the same bits in any batch, any process,
    and whichever other claims the scorer holds (as long as it holds both claims' sources whole,
    in the same order): a rebuild scored in parts gives the one-process scores."""

    def __init__(
        self,
        model: PairModel,
        vectors: np.ndarray,
        texts: Sequence[str],
        languages: Sequence[str],
        source_ids: Sequence[int],
        neighbour_cosines: Sequence[Sequence[Sequence[float]] | None] | None = None,
        standalone: Sequence[bool] | None = None,
        *,
        source_margins: bool = False,
        exact_limit: int = neighbours.EXACT_LIMIT,
        claim_texts: Sequence[str] | None = None,
        clause_texts: Sequence | None = None,
    ) -> None:
        """`source_margins`: kept for callers; every margin is computed from i's cosines with the
        claims of j's source alone (see `margin`), which is what it asked for. `claim_texts`: each
        claim's own words as extracted, when `texts` (what was embedded) carries a subject in; the
        clause model reads a figure's scope from them (`pairfeatures.ClauseText.own_countries`).
        `clause_texts`: each claim's `pairfeatures.clause_texts_of`, when the caller computed them
        already (a rebuild does, while it searches the neighbours); else read as pairs need them."""
        self.model = model
        self.source_margins = source_margins
        self.parts = split_parts(vectors, model.bounds)
        self._parts64 = (
            [p.astype(np.float64) for p in self.parts] if len(self.parts[0]) <= FLOAT64_PARTS_LIMIT else None
        )
        parts = len(model.bounds)
        if neighbour_cosines is None:
            neighbour_cosines = top_cosines(self.parts, source_ids, model.density_k, exact_limit=exact_limit)
        self.neighbour_cosines = list(neighbour_cosines)
        self.densities = densities_of(self.neighbour_cosines, parts)
        self._densities64 = self.densities.astype(np.float64)
        # Each claim's word evidence, computed when a pair first needs it (`_words`): a rebuild's
        # worker holds every claim of the job but scores only its parts' pairs.
        known = clause_texts if clause_texts is not None else [None] * len(texts)
        self.evidence: list[TextEvidence | None] = [None if c is None else c.evidence for c in known]
        self.texts = [t or "" for t in texts]
        self.claim_texts = self.texts if claim_texts is None else [t or "" for t in claim_texts]
        self.languages = list(languages)
        self.source_ids = list(source_ids)
        # Whether each claim is a standalone statement (imported) rather than an article clause.
        self.standalone = list(standalone) if standalone is not None else [False] * len(texts)
        self._standalone = np.array(self.standalone, dtype=bool).reshape(len(texts))
        self.clause_model = model.clause_model
        self.clause_shift = model.clause_shift if model.clause_model is not None else 0.0
        self._by_source: dict[int, list[int]] = {}
        for k, source in enumerate(self.source_ids):
            self._by_source.setdefault(source, []).append(k)
        # The claims ordered by source (each source's in claim order), and per claim where its
        # source's run starts in that order and how long it is: the margins' gathers.
        self._members = np.array([k for rows in self._by_source.values() for k in rows], dtype=np.int64)
        start_of, size_of, at = {}, {}, 0
        for source, rows in self._by_source.items():
            start_of[source], size_of[source], at = at, len(rows), at + len(rows)
        self._run_start = np.array([start_of[s] for s in self.source_ids], dtype=np.int64)
        self._run_size = np.array([size_of[s] for s in self.source_ids], dtype=np.int64)
        self._clause_texts: list = list(known)

    def _cosines(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """(pairs, parts) cosines of rows a[k] and b[k], per encoder part: in float64, so a pair's
        value does not hang on float32 rounding of a 512-term sum (the vectors stay float32)."""
        if self._parts64 is not None:
            return np.stack([np.einsum("ij,ij->i", p[a], p[b]) for p in self._parts64], axis=1)
        return np.stack(
            [np.einsum("ij,ij->i", p[a].astype(np.float64), p[b].astype(np.float64)) for p in self.parts], axis=1
        )

    def _margins(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """`margin(a[k], b[k])` for every k: from a's mean cosine over parts with each claim of
        b's source, so neither the bits nor the memory depend on the other claims here."""
        if not len(a):
            return np.empty(0, dtype=np.float64)
        sizes = self._run_size[b]
        ends = np.cumsum(sizes)
        starts = ends - sizes
        pair = np.repeat(np.arange(len(a)), sizes)
        offset = np.arange(int(ends[-1])) - starts[pair]
        members = self._members[self._run_start[b][pair] + offset]
        # Each distinct (claim, member) cosine once: a claim paired with several claims of one
        # source meets that source's members once per pair (each row's value is its own, so the
        # same bits as computing every repeat).
        distinct, where = np.unique(a[pair] * len(self.source_ids) + members, return_inverse=True)
        rows, columns = np.divmod(distinct, len(self.source_ids))
        mean = (self._cosines(rows, columns).sum(axis=1) / len(self.parts))[where.reshape(-1)]
        here = members == b[pair]
        own = mean[here]  # each pair's b is once in its source's run, in pair order
        others = np.where(members != a[pair], mean, -np.inf)
        # Per pair the highest and second-highest of the others (a tie for the highest is both).
        best = np.maximum.reduceat(others, starts)
        top = others == best[pair]
        ties = np.add.reduceat(top.astype(np.int64), starts)
        second = np.maximum.reduceat(np.where(top, -np.inf, others), starts)
        second = np.where(ties > 1, best, second)
        best, second = np.where(np.isinf(best), -1.0, best), np.where(np.isinf(second), -1.0, second)
        return own - np.where(own >= best, second, best)

    def margin(self, i: int, j: int) -> float:
        """How far j stands ahead of the next-closest claim of its own source, seen from i
        (a fact is stated once in an article: its partner is the closest clause there)."""
        return float(self._margins(np.array([i]), np.array([j]))[0])

    def _clause_text_list(self, a: np.ndarray, b: np.ndarray) -> list:
        """Each claim's `ClauseText`, filled in for the claims of these pairs: from the process's
        cache of them (`pairfeatures.clause_text_of`), so a claim met by the assignment, the
        neighbourhood's re-clustering and the status refresh is read once."""
        from newsclaims.matching.pairfeatures import clause_text_of  # imports this module

        known = self._clause_texts
        for i in np.unique(np.concatenate([a, b])).tolist():
            if known[i] is None:
                known[i] = clause_text_of(self.texts[i], self.languages[i], self.claim_texts[i])
        return known

    def _words(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per pair: whether both claims are in one language, and for those pairs the word
        features (`word_features`) and whether they share a content word (`shares_content`);
        zeros and False elsewhere. Both pair models read them: computed once per pair."""
        languages, evidence = self.languages, self.evidence
        same = np.array(
            [bool(languages[i]) and languages[i] == languages[j] for i, j in zip(a.tolist(), b.tolist(), strict=True)],
            dtype=bool,
        ).reshape(len(a))
        words = np.zeros((len(a), 3), dtype=np.float64)
        content = np.zeros(len(a), dtype=bool)
        pairs = np.flatnonzero(same)
        for i in np.unique(np.concatenate([a[pairs], b[pairs]])).tolist():
            if evidence[i] is None:
                evidence[i] = text_evidence(self.texts[i])
        for k in pairs.tolist():
            ea, eb = evidence[a[k]], evidence[b[k]]
            words[k] = word_features(ea, eb)
            content[k] = shares_content(ea, eb)
        return same, words, content

    def _clause_matrix(
        self,
        a: np.ndarray,
        b: np.ndarray,
        cosines: np.ndarray,
        csls: np.ndarray,
        words: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        from newsclaims.matching.pairfeatures import pair_matrix, text_row

        same, features, content = self._words(a, b) if words is None else words
        evidence = [
            (tuple(f), float(c)) if s else None
            for s, f, c in zip(same.tolist(), features.tolist(), content.tolist(), strict=True)
        ]
        known = self._clause_text_list(a, b)
        rows = np.array(
            [text_row(known[i], known[j], e) for i, j, e in zip(a.tolist(), b.tolist(), evidence, strict=True)],
            dtype=np.float64,
        )
        margins = self._margins(np.concatenate([a, b]), np.concatenate([b, a])).reshape(2, len(a)).T
        same = np.array([self.source_ids[i] == self.source_ids[j] for i, j in zip(a.tolist(), b.tolist(), strict=True)])
        return pair_matrix(cosines, csls, rows.reshape(len(a), -1), same.astype(np.float64), margins)

    def clause_features(self, i: int, j: int) -> list[float]:
        """The clause pair model's inputs for (i, j), in `pairfeatures.FEATURES` order."""
        a, b = np.array([i]), np.array([j])
        cosines = self._cosines(a, b)
        return self._clause_matrix(a, b, cosines, self._csls(a, b, cosines))[0].tolist()

    def _csls(self, a: np.ndarray, b: np.ndarray, cosines: np.ndarray) -> np.ndarray:
        return 2 * cosines - self._densities64[a] - self._densities64[b]

    def score(self, i: int, j: int, same_figure: bool = False) -> float:
        """P(same fact) of one pair: `score_many` of it alone, so both give the same bits."""
        return float(self.score_many([(i, j)], [same_figure])[0])

    def score_many(
        self, pairs: Sequence[tuple[int, int]] | np.ndarray, same_figure: Sequence[bool] | None = None
    ) -> np.ndarray:
        """P(same fact) of each pair (i, j) (float64, in order); `same_figure[k]`: the pair's slots
        give one figure (`matching.same_figure`).

        A pair involving an article clause takes the larger of the clause model's and the headline
        model's view: the clause model weighs figures, scope and rank within each article (what
        tells a story's facts apart, across languages), and the headline model keeps trusting a
        near-paraphrase of an event that gives no figure, which the stories, mostly figures,
        taught the clause model too little of."""
        index = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        flags = np.zeros(len(index), dtype=bool) if same_figure is None else np.asarray(same_figure, dtype=bool)
        out = np.empty(len(index), dtype=np.float64)
        for start in range(0, len(index), BATCH_PAIRS):
            stop = start + BATCH_PAIRS
            out[start:stop] = self._score_batch(index[start:stop, 0], index[start:stop, 1], flags[start:stop])
        return out

    def _score_batch(self, a: np.ndarray, b: np.ndarray, same_figure: np.ndarray) -> np.ndarray:
        cosines = self._cosines(a, b)
        csls = self._csls(a, b, cosines)
        clause = ~(self._standalone[a] & self._standalone[b])
        same, words, content = self._words(a, b)
        headline = self._headline_scores(cosines, csls, same_figure, clause, same, words, content)
        if self.clause_model is None or not clause.any():
            return headline
        which = np.flatnonzero(clause)
        x = self._clause_matrix(
            a[which], b[which], cosines[which], csls[which], (same[which], words[which], content[which])
        )
        out = headline.copy()
        out[which] = np.maximum(headline[which], _sigmoid(_logits(self.clause_model, x) + self.clause_shift))
        return out

    def _headline_scores(
        self,
        cosines: np.ndarray,
        csls: np.ndarray,
        same_figure: np.ndarray,
        clause: np.ndarray,
        same: np.ndarray,
        words: np.ndarray,
        content: np.ndarray,
    ) -> np.ndarray:
        """The headline model's P(same claim) (`PairModel.probability`) of each pair; `same`,
        `words` and `content` as `_words` gives them."""
        model = self.model
        no_content = same & clause & ~content
        vector_row = np.concatenate([cosines, csls], axis=1)
        z = np.where(
            same,
            _logits(model.same_language, np.concatenate([vector_row, words], axis=1)),
            _logits(model.cross_language, vector_row),
        )
        z = z + np.where(same_figure, model.same_figure_logit, 0.0)
        z = z + np.where(clause, model.clause_logit, 0.0) + np.where(no_content, model.no_content_logit, 0.0)
        return _sigmoid(z)


def default_threshold(model_name: str) -> float:
    """The clustering threshold for an embedding model: its pair model's, else its cosine profile's."""
    from newsclaims.matching.rules import profile_for

    model = model_for(model_name)
    return model.threshold if model is not None else profile_for(model_name).threshold
