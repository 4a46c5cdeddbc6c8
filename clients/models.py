from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    """What a token may do. Each scope includes the ones before it: an editor token also writes and reads."""

    READ = "read", _("Read")
    WRITE = "write", _("Write: post articles and claims")
    EDITOR = "editor", _("Editor: verdicts and same / not the same claim")


SCOPE_RANK = {TokenScope.READ: 0, TokenScope.WRITE: 1, TokenScope.EDITOR: 2}


class ApiToken(models.Model):
    """One client's API token. Only the SHA-256 of the token is stored; the token itself is shown
    once, when it is created (admin or ``manage.py create_token``)."""

    name = models.CharField(_("name"), max_length=200, help_text=_("Who or what uses this token."))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("secret hash"), max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: str) -> bool:
        """Whether this token's scope includes `scope`."""
        return SCOPE_RANK[TokenScope(self.scope)] >= SCOPE_RANK[TokenScope(scope)]


class IdempotencyRecord(models.Model):
    """The answer given to a write sent with an ``Idempotency-Key``: the same key and body again get
    this answer back instead of a second write; the same key with another body is refused."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="idempotency_records")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2000)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotency_one_per_token_key")]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.key}"
