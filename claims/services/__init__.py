"""The domain operations. Admin actions, API views, Celery tasks and commands all call these.

ingest          ingest_source / ingest_inputs / import_claims store articles and claims (deduplicated
                by content hash) and enqueue processing; process_source extracts, embeds, assigns
                (process_source_and_backlog: with the sources still waiting in the queue)
assign          assign_claims: new claims join clusters, the neighbourhood is re-clustered
rebuild         recluster: rebuild every cluster from scratch, deterministically, its pair
                scores in parts on Celery workers (score_rebuild_part)
statuses        refresh_clusters: status, reason, counts and conflicts of clusters (stance plumbing, the
                stance cache); queue_status_refresh / refresh_stale_statuses: ingestion's statuses
                finished by a job after commit; stance_cost: what refreshes cost
scoring         what those share: slots, the pair scorer, the pgvector kNN, the cluster lock
locks           every PostgreSQL advisory lock key, and taking and releasing them
editorial       editors' decisions (merge, split, links, lock, verdict), each written to the audit trail
audit           the audit trail, ConflictingDecision, flagging verdict clusters a rebuild changed
enqueue         where claims.apps registers the Celery tasks, so services never import claims.tasks

Modules here may import Django, claims.models, sources and newsclaims; never claims.tasks,
evaluation or training. The names below are re-exported so ``services.process_source(...)``
works for every caller.
"""

from claims.services.assign import assign_claims
from claims.services.ingest import (
    ARTICLE_BATCH,
    CLAIM_FIELDS,
    IMPORT_BATCH,
    IngestReport,
    IngestResult,
    OnItem,
    ReprocessReport,
    content_hash,
    detect_language,
    embed,
    import_claims,
    import_statements,
    ingest_articles,
    ingest_inputs,
    ingest_source,
    is_being_processed,
    match_text,
    needs_processing,
    process_source,
    process_source_and_backlog,
    process_sources,
    reap_stale_processing,
    reprocess_sources,
    statement_claim,
)
from claims.services.locks import CLUSTER_LOCK, REBUILD_LOCK
from claims.services.rebuild import (
    COVERED,
    RAN,
    REBUILD_ORDER,
    TIMED_OUT,
    Progress,
    ReclusterReport,
    Waiting,
    editor_constraints,
    recluster,
    score_rebuild_part,
    warm_rebuild_job,
)
from claims.services.scoring import (
    KNN_CANDIDATES,
    ensure_vector_index,
    lock_clusters,
    nearest_clustered,
    slots_of,
    subject_key_of,
    vector_index_name,
)
from claims.services.statuses import (
    StanceCost,
    _cross_logits,
    cluster_counts,
    queue_status_refresh,
    refresh_clusters,
    refresh_stale_statuses,
    reset_stance_cost,
    stance_cost,
    sweep_stale_statuses,
)

__all__ = [
    "ARTICLE_BATCH",
    "CLAIM_FIELDS",
    "CLUSTER_LOCK",
    "COVERED",
    "IMPORT_BATCH",
    "KNN_CANDIDATES",
    "RAN",
    "REBUILD_LOCK",
    "REBUILD_ORDER",
    "TIMED_OUT",
    "IngestReport",
    "IngestResult",
    "OnItem",
    "Progress",
    "ReclusterReport",
    "ReprocessReport",
    "StanceCost",
    "Waiting",
    "_cross_logits",
    "assign_claims",
    "cluster_counts",
    "content_hash",
    "detect_language",
    "editor_constraints",
    "embed",
    "ensure_vector_index",
    "import_claims",
    "import_statements",
    "ingest_articles",
    "ingest_inputs",
    "ingest_source",
    "is_being_processed",
    "lock_clusters",
    "match_text",
    "nearest_clustered",
    "needs_processing",
    "process_source",
    "process_source_and_backlog",
    "process_sources",
    "queue_status_refresh",
    "reap_stale_processing",
    "recluster",
    "refresh_clusters",
    "refresh_stale_statuses",
    "reprocess_sources",
    "reset_stance_cost",
    "score_rebuild_part",
    "slots_of",
    "stance_cost",
    "statement_claim",
    "subject_key_of",
    "sweep_stale_statuses",
    "vector_index_name",
    "warm_rebuild_job",
]
