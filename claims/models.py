from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pgvector.django import VectorField

from claims.choices import AuditAction, ClusterStatus, Language, LinkKind, Polarity, Verdict
from claims.reasons import worded


class Cluster(models.Model):
    """Claims from any sources and languages that state the same thing.

    Counts, languages and conflicts are kept on the row (refreshed by `claims.services`) so the
    cluster list needs no aggregation per row.
    """

    label = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=ClusterStatus.choices, default=ClusterStatus.SINGLE_SOURCE)
    status_reason = models.TextField(blank=True)
    # The reason's code and fields (newsclaims.matching.reasons), so it is worded in the reader's
    # language (`status_reason_text`); `status_reason` keeps the English text.
    status_reason_parts = models.JSONField(default=dict, blank=True)
    source_count = models.PositiveIntegerField(default=0)
    claim_count = models.PositiveIntegerField(default=0)
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    # [{"claims": [id, id], "reason": "...", "parts": {...}}]: each conflicting pair and why.
    conflicts = models.JSONField(default=list, blank=True)
    independent_source_count = models.PositiveIntegerField(default=0)
    # [{"source": id, "counted": bool, "same_as": id | null, "reason": str, "parts": {...}}]: which sources are
    # independent voices; a syndicated copy or a second article of one publisher is not.
    source_independence = models.JSONField(default=list, blank=True)
    # [{"as_of", "value", "low", "high", "qualifier", "unit", "claim", "source"}] by date: a figure
    # that changes over time is a series, not a contradiction.
    timeline = models.JSONField(default=list, blank=True)
    # Editors' decisions. A locked cluster keeps exactly its claims through re-clustering.
    locked = models.BooleanField(default=False, help_text="Keep exactly these claims when re-clustering.")
    verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True, default=Verdict.UNREVIEWED)
    verdict_note = models.TextField(blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verdict_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Re-clustering changed the claims of this cluster after its verdict: an editor should look
    # again. Setting a verdict clears it.
    needs_review = models.BooleanField(default=False, help_text=_("Its claims changed since its verdict."))
    # Ingestion, a rebuild or an editor changed the claims and the status refresh job (queued on
    # commit) has yet to recompute the status: status, reason, conflicts, sources and timeline are
    # the ones before the change until then; the claim count is current.
    status_stale = models.BooleanField(
        _("status updating"),
        default=False,
        help_text=_("Its claims changed and its status waits for the status refresh job."),
    )
    changed_since_verdict_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The API's keyset pages: the list by status in id order, and the reviewed clusters
            # latest verdict first (ClaimReview), each one range of its index however deep the page.
            models.Index(fields=["status", "id"], name="cluster_status_id"),
            models.Index(fields=["verdict_at", "id"], condition=~models.Q(verdict=""), name="cluster_reviewed_order"),
            models.Index(fields=["verdict"]),
            models.Index(fields=["needs_review"], condition=models.Q(needs_review=True), name="cluster_needs_review"),
            models.Index(fields=["updated_at"], condition=models.Q(status_stale=True), name="cluster_status_stale"),
        ]

    def __str__(self) -> str:
        return self.label or f"Cluster {self.pk}"

    @property
    def status_reason_text(self) -> str:
        """Why this status, in the active language (the stored English text when not worded)."""
        return worded(self.status_reason_parts, self.status_reason)


class Claim(models.Model):
    """One check-worthy statement in a source: its exact span, who said it and what it quantifies.

    `text == source.text[start:end]` always holds. `match_text` is the claim with its subject
    carried in, which is what gets embedded and compared.
    """

    source = models.ForeignKey("sources.Source", on_delete=models.CASCADE, related_name="claims")
    cluster = models.ForeignKey(Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="claims")
    text = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    language = models.CharField(max_length=8, choices=Language.choices)
    claimant = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    polarity = models.CharField(max_length=8, choices=Polarity.choices, default=Polarity.POSITIVE)
    # {value, low, high, qualifier, unit, raw, kind} or null; see newsclaims.text.quantities.Quantity.
    quantity = models.JSONField(null=True, blank=True)
    # The moment the claim describes: from the text when it says, else the source's publication.
    as_of = models.DateField(null=True, blank=True)
    as_of_source = models.CharField(max_length=16, blank=True, help_text="text, published, or empty")
    checkworthiness = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list, blank=True)
    match_text = models.TextField(blank=True)
    # Untyped so that the model is a setting: any dimension fits. Copied to ClaimVector, which
    # carries the HNSW index (one per dimension in use), so updating a claim's cluster stays cheap.
    embedding = VectorField(null=True, blank=True)
    embedding_model = models.CharField(max_length=300, blank=True)
    # Per encoder part, the cosines of the claim's nearest claims from other sources: their mean
    # says how crowded its topic is, and matching discounts similarity by it (newsclaims.matching.pairscore,
    # CSLS). Set when the claim is assigned, updated as neighbours arrive, rebuilt by recluster.
    nearest_cosines = models.JSONField(null=True, blank=True)
    # The lowest cosine at which another claim is among this one's candidate pairs: that of its
    # CANDIDATE_NEIGHBOURS-th nearest claim in the whole archive (at least CANDIDATE_FLOOR), as the
    # last rebuild found it, or its nearest claims when it was assigned. Re-clustering a
    # neighbourhood after ingestion scores the pairs the archive's rebuild would score, not those
    # of the neighbourhood's own nearest (newsclaims.matching.clustering.local_candidate_pairs).
    candidate_floor = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_id", "start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "start", "end"], name="claim_unique_span"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="claim_span_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class CandidateCosines(models.Model):
    """The cosines of a claim's CANDIDATE_NEIGHBOURS nearest claims over the archive, highest
    first: its candidate floor is the last of them (`newsclaims.matching.clustering.floor_of`).

    Kept so that assignment can raise a floor a new claim enters exactly, in memory, instead of
    asking the vector index for the claim's nearest again (`claims.services.assign`); a full
    rebuild writes every claim's list. A table of its own: a claim's row has indexed columns, so
    an update that moves it to another page is a new tuple in every index, and a new claim
    enters some tens of lists.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="candidate_cosines")
    cosines = ArrayField(models.FloatField(), default=list)

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {len(self.cosines)} cosines"


class ClaimVector(models.Model):
    """A copy of a claim's embedding in a narrow table of its own, which carries the HNSW index
    that nearest-neighbour queries read (`claims.services.scoring.ensure_vector_index`).

    Why a copy: while the index lay on the claims table, every update of a claim's cluster (each
    rebuild writes most rows, each assignment tens) was a new tuple under it, since the cluster
    column is indexed (no HOT update), and each such tuple was inserted into the HNSW graph:
    2.5 ms a row, measured, against under 0.1 ms without that index. A vector is written once, at
    ingestion, so this table is written once a claim. The claims table keeps the vector every
    other read uses. A database trigger (migration 0016) copies it on insert and when it changes,
    whatever the path (ORM, bulk or raw SQL), so the two never disagree.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="+")
    embedding_model = models.CharField(max_length=300, blank=True)
    embedding = VectorField()

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.embedding_model}"


class ClaimLink(models.Model):
    """An editor's decision that two claims are, or are not, the same claim.

    Merges and "same claim" make SAME links (must-link), splits and "not the same claim" make
    DIFFERENT links (cannot-link); `recluster` obeys both. Stored once per pair, lower id first.
    """

    claim_a = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    claim_b = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["claim_a", "claim_b"], name="claimlink_one_per_pair"),
            models.CheckConstraint(condition=models.Q(claim_a__lt=models.F("claim_b")), name="claimlink_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_a_id} {self.kind} {self.claim_b_id}"

    def clean(self) -> None:
        if self.claim_a_id and self.claim_a_id == self.claim_b_id:
            raise ValidationError("A claim is always the same as itself; choose two different claims.")
        if self.claim_a_id and self.claim_b_id and self.claim_a_id > self.claim_b_id:
            self.claim_a_id, self.claim_b_id = self.claim_b_id, self.claim_a_id


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are never changed.")

    def delete(self):
        raise TypeError("Audit entries are never deleted.")


class AuditEntry(models.Model):
    """One editor's decision (or a rebuild that changed a cluster with a verdict), as it happened.

    Written by claims.services.editorial in the decision's transaction; never changed or deleted.
    Clusters and claims are kept as ids: a merged cluster is gone, its history is not.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    cluster_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    claim_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    # What an editor confirmed overriding (another editor's verdict, an earlier decision), if anything.
    overrides = models.TextField(blank=True)
    summary = models.TextField()

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            GinIndex(fields=["cluster_ids"], name="auditentry_cluster_ids"),
            GinIndex(fields=["claim_ids"], name="auditentry_claim_ids"),
            models.Index(fields=["action"]),
        ]

    def __str__(self) -> str:
        return self.summary[:120]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are never deleted.")


class RebuildJob(models.Model):
    """A rebuild whose pair scores are shared out in parts (`claims.services.rebuild`): the claims
    its parts' pairs index, in rebuild order, their nearest cosines over the corpus (the pair
    scores' densities) and what the pair model reads of their texts, written once for every worker
    to read. Deleted, with its parts, when the rebuild has its scores."""

    id = models.UUIDField(primary_key=True)
    claim_ids = models.BinaryField(help_text="int64 little-endian: the rebuild's claims, in rebuild order.")
    nearest_cosines = models.JSONField(null=True, help_text="Per claim: its nearest cosines over the corpus.")
    clause_texts = models.BinaryField(
        null=True, help_text="Per claim: what the clause pair model reads of its text (pickled)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"rebuild {self.id}"


class RebuildPart(models.Model):
    """A slice of a rebuild's candidate pairs, scored by whichever process locks it first (a Celery
    worker, or the rebuild itself) and written back here. Arrays are raw little-endian bytes: at
    100,000 claims a rebuild's parts hold a few million pairs."""

    job = models.ForeignKey(RebuildJob, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    rows = models.PositiveIntegerField(help_text="Claims whose pairs this part scores (for progress).")
    pairs = models.BinaryField(help_text="int32 (pairs, 2): positions in the job's claims, scored in this order.")
    cosines = models.BinaryField(help_text="float64: each pair's cosine.")
    scores = models.BinaryField(null=True, help_text="float64: each pair's score, once scored.")
    worker = models.CharField(max_length=300, blank=True, help_text="The process that scored it.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="rebuildpart_one_per_number")]

    def __str__(self) -> str:
        return f"{self.job_id} part {self.number}"


class StanceJudgement(models.Model):
    """The stance cross-encoder's logit for one pair of claim texts, kept so that no process (an
    ingest worker, the status refresh job, a rebuild) reads a pair again with the same model.

    Keyed by the pair of texts, order-normalised (the logit is the mean over both reading orders,
    so it is symmetric: see `claims.services.statuses.pair_key`), and the model's version (a digest
    of its weights: a retrained cross-encoder misses every entry of the one before). Only the
    cross-encoder's logit is kept: the stance head also reads the claims' vectors, and costs
    little.
    """

    pair_key = models.CharField(max_length=64)
    model_version = models.CharField(max_length=64)
    logit = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pair_key", "model_version"], name="stance_judgement_pair_model"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_key[:12]} ({self.model_version[:12]}): {self.logit:.3f}"
