"""Every set of choices the service stores, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ARABIC = "ar", "Arabic"
    ENGLISH = "en", "English"
    MIXED = "mixed", "Mixed"
    OTHER = "other", "Other"


class SourceKind(models.TextChoices):
    ARTICLE = "article", "Article"  # claims are extracted from it
    CLAIM = "claim", "Imported claim"  # the whole text is one claim a fact-checker already holds


class SourceStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # stored, not yet processed
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class ClusterStatus(models.TextChoices):
    SINGLE_SOURCE = "single_source", "Single source"
    AGREEMENT = "agreement", "Agreement"
    CONTRADICTION = "contradiction", "Contradiction"


class Polarity(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"


class Qualifier(models.TextChoices):
    EXACT = "exact", "Exact"
    ABOUT = "about", "About"
    MORE_THAN = "more_than", "More than"
    AT_LEAST = "at_least", "At least"
    LESS_THAN = "less_than", "Less than"
    AT_MOST = "at_most", "At most"
    RANGE = "range", "Range"


class Verdict(models.TextChoices):
    """An editor's fact-check verdict on a cluster's claim."""

    UNREVIEWED = "", "Unreviewed"
    TRUE = "true", "True"
    FALSE = "false", "False"
    MISLEADING = "misleading", "Misleading"
    UNPROVEN = "unproven", "Unproven"


class LinkKind(models.TextChoices):
    """An editor's decision about two claims, which re-clustering obeys."""

    SAME = "same", "Same claim (must-link)"
    DIFFERENT = "different", "Not the same claim (cannot-link)"


class AuditAction(models.TextChoices):
    """What an audit entry records: an editor's decision, or a rebuild that changed a verdict's cluster."""

    MERGE = "merge", _("Merge clusters")
    SPLIT = "split", _("Split claims off")
    SAME = "same", _("Same claim")
    NOT_SAME = "not_same", _("Not the same claim")
    LOCK = "lock", _("Lock")
    UNLOCK = "unlock", _("Unlock")
    VERDICT = "verdict", _("Verdict")
    NOTE = "note", _("Note")
    RECLUSTER_CHANGED = "recluster_changed", _("Re-clustering changed a cluster with a verdict")
