"""Every set of choices the service stores, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    ENGLISH = "en", _("English")
    MIXED = "mixed", _("Mixed")
    OTHER = "other", _("Other")


class SourceKind(models.TextChoices):
    ARTICLE = "article", _("Article")  # claims are extracted from it
    CLAIM = "claim", _("Imported claim")  # the whole text is one claim a fact-checker already holds


class SourceStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # stored, not yet processed
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")


class ClusterStatus(models.TextChoices):
    SINGLE_SOURCE = "single_source", _("Single source")
    AGREEMENT = "agreement", _("Agreement")
    CONTRADICTION = "contradiction", _("Contradiction")


class Polarity(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")


class Qualifier(models.TextChoices):
    EXACT = "exact", _("Exact")
    ABOUT = "about", _("About")
    MORE_THAN = "more_than", _("More than")
    AT_LEAST = "at_least", _("At least")
    LESS_THAN = "less_than", _("Less than")
    AT_MOST = "at_most", _("At most")
    RANGE = "range", _("Range")


class Verdict(models.TextChoices):
    """An editor's fact-check verdict on a cluster's claim."""

    UNREVIEWED = "", _("Unreviewed")
    TRUE = "true", _("True")
    FALSE = "false", _("False")
    MISLEADING = "misleading", _("Misleading")
    UNPROVEN = "unproven", _("Unproven")


class LinkKind(models.TextChoices):
    """An editor's decision about two claims, which re-clustering obeys."""

    SAME = "same", _("Same claim (must-link)")
    DIFFERENT = "different", _("Not the same claim (cannot-link)")


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
