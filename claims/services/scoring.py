"""What assigning, rebuilding and refreshing clusters share: a stored claim's slots, the pair
scorer of the configured embedding model, the pgvector index and nearest-neighbour query, the
advisory lock under which clusters change, and the bounded memo of scores a process remembers.

May import Django, claims.models and newsclaims; imports no other service module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BinaryField, F, Func

from claims.choices import SourceKind
from claims.models import Claim
from claims.services.locks import CLUSTER_LOCK
from newsclaims.matching import pairscore
from newsclaims.matching.rules import ClaimSlots, subject_key

KNN_CANDIDATES = 40


class BoundedMemo:
    """Values one model gave in this process, by a digest of everything they were computed from,
    so asking again gives the same bits without computing: emptied when the model is another
    object (retrained, reloaded) and when `size` entries would be exceeded (recomputing is right,
    only slower). Assignment keeps its pair scores in one, statuses the stance head's answers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: dict[bytes, object] = {}
        self.model: object | None = None

    def of(self, model: object) -> dict:
        """The values remembered from `model` (read them with `.get`: `add` may empty the dict)."""
        if self.model is not model:
            self.values = {}
            self.model = model
        return self.values

    def add(self, fresh: dict) -> None:
        """Remember `fresh`, emptying the memo first if it would outgrow `size`."""
        if len(self.values) + len(fresh) > self.size:
            self.values.clear()
        self.values.update(fresh)

    def forget(self) -> None:
        """Remember nothing (the next `of` starts empty)."""
        self.values = {}
        self.model = None


def subject_key_of(claim: Claim) -> str | None:
    """The entity a claim is about: its subject, else an entity it names, else its claimant's.

    Places are skipped (they locate a figure rather than own it: "Moscow ordered the app
    pre-installed" is about the app); a claim that names only places has no known subject.
    """
    return subject_key(claim.subject, claim.text, claim.claimant)


def binary_vector() -> Func:
    """The embedding in pgvector's binary form (`vector_send`: a 4-byte header, then big-endian
    float4), to annotate a query with: no decimal text to parse per value."""
    return Func(F("embedding"), function="vector_send", output_field=BinaryField())


def vector_from_binary(data: bytes) -> np.ndarray:
    """A `binary_vector` value as float32: the same values the text form round-trips to."""
    return np.frombuffer(data, dtype=">f4", offset=4).astype(np.float32)


def slots_of(claim: Claim) -> ClaimSlots:
    """A stored claim's slots (its source is read for `standalone` unless already loaded)."""
    return slots_from(
        claim.pk,
        claim.source_id,
        claim.subject,
        claim.text,
        claim.claimant,
        claim.quantity,
        claim.polarity,
        claim.language,
        claim.as_of,
        _standalone(claim),
    )


# The columns `slots_from` takes, in its order, for reading claims as plain rows (values_list)
# rather than model objects: a rebuild reads every claim this way.
SLOT_FIELDS = (
    "id", "source_id", "subject", "text", "claimant", "quantity", "polarity", "language", "as_of", "source__kind",
)  # fmt: skip


def slots_from(
    claim_id: int,
    source_id: int,
    subject: str | None,
    text: str,
    claimant: str | None,
    quantity: dict | None,
    polarity: str,
    language: str,
    as_of: date | None,
    standalone: bool | str,
) -> ClaimSlots:
    """A claim's slots from its stored values (`SLOT_FIELDS`); `standalone` may be the source's
    kind, as a row read through `source__kind` has it."""
    if isinstance(standalone, str):
        standalone = standalone == SourceKind.CLAIM
    return ClaimSlots(
        id=claim_id,
        source_id=source_id,
        subject_key=_subject_key(subject, text, claimant),
        quantity=quantity,
        polarity=polarity,
        language=language,
        text=text,
        as_of=as_of,
        standalone=standalone,
    )


@lru_cache(maxsize=8192)
def _subject_key(subject: str | None, text: str, claimant: str | None) -> str | None:
    """`subject_key`, once per claim a process meets (assignment reads the same neighbourhoods again)."""
    return subject_key(subject, text, claimant)


def vector_index_name(dimension: int) -> str:
    """The HNSW index over the claims' vectors of this dimension (on `ClaimVector`)."""
    return f"claims_claimvector_hnsw_{dimension:d}"


def ensure_vector_index(dimension: int) -> None:
    """An HNSW cosine index for embeddings of this dimension, on the vectors' own table
    (`ClaimVector`: updating a claim's cluster then adds nothing to the graph). The column is
    untyped, so the index is partial, on a cast to the dimension in use."""
    name = vector_index_name(dimension)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON claims_claimvector "
                f"USING hnsw ((embedding::vector({dimension:d})) vector_cosine_ops) "
                f"WHERE vector_dims(embedding) = {dimension:d}"
            )
    except IntegrityError:
        pass  # a concurrent process created it between the existence check and the insert


def vector_literal(vector: np.ndarray) -> str:
    """A vector as pgvector's text literal, for a query parameter."""
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


def read_index_until_limit(cursor) -> None:
    """For this transaction: a filter applied after an approximate HNSW scan can leave too few
    rows, so pgvector's iterative scan keeps reading the index until the LIMIT is met."""
    cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
    cursor.execute("SET LOCAL hnsw.ef_search = 100")


def nearest_clustered(
    vector: np.ndarray, model_name: str, limit: int = KNN_CANDIDATES, *, configure: bool = True
) -> list[tuple[int, int, float]]:
    """(claim id, cluster id, cosine similarity) of the clustered claims nearest to `vector`,
    through the HNSW index. `configure=False`: the caller has already called
    `read_index_until_limit` in this transaction (one query of many)."""
    dimension = int(vector.shape[0])
    literal = vector_literal(vector)
    with connection.cursor() as cursor:
        if configure:
            read_index_until_limit(cursor)  # the cluster_id filter comes after the scan
        cursor.execute(_nearest_sql(dimension, "%s"), [literal, model_name, literal, limit])
        return [(row[0], row[1], float(row[2])) for row in cursor.fetchall()]


def _nearest_sql(dimension: int, target: str) -> str:
    """The index scan `nearest_clustered` runs: (id, cluster_id, cosine) of the clustered claims
    nearest to `target` (an SQL expression for a vector literal, named twice), parameters: the
    model's name and the limit after each use of `target` that is a placeholder. The scan runs on
    `ClaimVector`'s HNSW index, each row joined to its claim for the cluster."""
    vector = f"(v.embedding::vector({dimension:d}))"
    return (
        f"SELECT v.claim_id AS id, c.cluster_id, 1 - ({vector} <=> {target}::vector({dimension:d})) AS cosine "
        f"FROM claims_claimvector v JOIN claims_claim c ON c.id = v.claim_id "
        f"WHERE vector_dims(v.embedding) = {dimension:d} AND v.embedding_model = %s "
        # "+ 0" keeps the planner off the cluster_id index: with statistics taken while most
        # claims were unclustered (an import, then the first build), it estimated a handful of
        # clustered rows and read them all through that index, sorting by distance: 109 ms at
        # 10,000 claims against 2 ms through HNSW, and growing with the archive.
        f"AND (c.cluster_id + 0) IS NOT NULL "
        f"ORDER BY {vector} <=> {target}::vector({dimension:d}) LIMIT %s"
    )


def nearest_clustered_many(
    vectors: Sequence[np.ndarray], model_name: str, limit: int = KNN_CANDIDATES
) -> list[list[tuple[int, int, float]]]:
    """`nearest_clustered` of each of these vectors, in one statement: an index scan per vector
    (a LATERAL subquery, the plan each query alone has), its rows in their order. The caller has
    called `read_index_until_limit` in this transaction. Assignment asks for every new claim's
    nearest at once: nothing it does in between changes which claims are clustered."""
    if not len(vectors):
        return []
    dimensions = {int(v.shape[0]) for v in vectors}
    if len(dimensions) > 1:
        return [nearest_clustered(v, model_name, limit, configure=False) for v in vectors]
    dimension = dimensions.pop()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q.position, n.id, n.cluster_id, n.cosine "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS q(literal, position) CROSS JOIN LATERAL ("
            f"  SELECT s.*, row_number() OVER () AS rank FROM ({_nearest_sql(dimension, 'q.literal')}) s"
            ") n ORDER BY q.position, n.rank",
            [[vector_literal(v) for v in vectors], model_name, limit],
        )
        out: list[list[tuple[int, int, float]]] = [[] for _ in vectors]
        for position, claim_id, cluster_id, cosine in cursor.fetchall():
            out[position - 1].append((claim_id, cluster_id, float(cosine)))
    return out


def lock_clusters() -> None:
    """Take the transaction-scoped lock under which clusters are assigned, merged or split."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTER_LOCK])


@dataclass
class _Matcher:
    """How pairs are scored under the configured embedding model: its trained pair model
    (newsclaims.matching.pairscore) when there is one, else cosine raised by matching slots."""

    pair_model: pairscore.PairModel | None
    threshold: float


def _matcher() -> _Matcher:
    return _Matcher(pairscore.model_for(settings.FACTCHECK_EMBEDDING_MODEL), settings.FACTCHECK_CLUSTER_THRESHOLD)


def _claim_scorer(
    claims: Sequence[Claim], vectors: np.ndarray, pair_model: pairscore.PairModel, *, stored_neighbours: bool = True
) -> pairscore.ClaimScorer:
    """Pair probabilities among these claims. With `stored_neighbours`, each claim's density
    comes from its stored nearest cosines (which see the whole corpus; computed now where
    missing, and set on the claim); otherwise from these claims alone (a full rebuild)."""
    if stored_neighbours:
        for c in claims:
            if c.nearest_cosines is None:
                c.nearest_cosines = _neighbour_cosines_of(c, pair_model)
    return scorer_from(
        pair_model,
        vectors,
        [c.match_text or c.text for c in claims],
        [c.language for c in claims],
        [c.source_id for c in claims],
        [_standalone(c) for c in claims],
        [c.nearest_cosines for c in claims] if stored_neighbours else None,
        claim_texts=[c.text for c in claims],
    )


def scorer_from(
    pair_model: pairscore.PairModel,
    vectors: np.ndarray,
    texts: Sequence[str],
    languages: Sequence[str],
    source_ids: Sequence[int],
    standalone: Sequence[bool],
    nearest_cosines: Sequence[list[list[float]] | None] | None = None,
    *,
    source_margins: bool = False,
    claim_texts: Sequence[str] | None = None,
    clause_texts: Sequence | None = None,
) -> pairscore.ClaimScorer:
    """`_claim_scorer` from plain values (one per claim, in the order of `vectors`' rows): texts
    are what was embedded (`match_text`, else the text), `claim_texts` the claims' own texts.
    With `nearest_cosines` (none missing: see `neighbour_cosines_for`), densities come from them;
    without, from these claims alone. `source_margins`, `clause_texts`: see `pairscore.ClaimScorer`."""
    return pairscore.ClaimScorer(
        pair_model,
        vectors,
        texts,
        languages,
        source_ids,
        nearest_cosines,
        standalone,
        source_margins=source_margins,
        claim_texts=claim_texts,
        clause_texts=clause_texts,
    )


def _standalone(claim: Claim) -> bool:
    """Whether a claim is a standalone statement (an imported claim) rather than an article clause."""
    return claim.source.kind == SourceKind.CLAIM


def _neighbour_cosines_of(claim: Claim, pair_model: pairscore.PairModel) -> list[list[float]]:
    """A claim's nearest-cosine lists (per part) from its nearest clustered claims of other sources."""
    return neighbour_cosines_for(
        np.asarray(claim.embedding, dtype=np.float32), claim.embedding_model, claim.source_id, pair_model
    )


def neighbour_cosines_for(
    vector: np.ndarray, model_name: str, source_id: int, pair_model: pairscore.PairModel
) -> list[list[float]]:
    """`_neighbour_cosines_of` from a claim's vector, embedding model and source."""
    near = [row[0] for row in nearest_clustered(vector, model_name, limit=KNN_CANDIDATES)]
    others = list(Claim.objects.filter(pk__in=near).exclude(source_id=source_id).only("id", "embedding"))
    return _nearest_from(vector, others, pair_model)


def _nearest_from(vector: np.ndarray, others: Sequence[Claim], pair_model: pairscore.PairModel) -> list[list[float]]:
    own = pairscore.split_parts(vector, pair_model.bounds)
    if not others:
        return [[] for _ in own]
    theirs = pairscore.split_parts(
        np.stack([np.asarray(c.embedding, dtype=np.float32) for c in others]), pair_model.bounds
    )
    return pairscore.nearest_from([p[0] for p in own], theirs, pair_model.density_k)
