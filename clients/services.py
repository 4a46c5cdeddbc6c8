"""Tokens and idempotency records: what the API's authentication and write views call.

create_token / revoke_token / authenticate_token   the token's life; only its SHA-256 is stored
request_fingerprint / replay / remember             Idempotency-Key: one answer per key and body
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import ApiToken, IdempotencyRecord, TokenScope

TOKEN_PREFIX = "fc_"  # noqa: S105 (marks a factcheck token; not a secret)
PREFIX_CHARS = 8  # shown in the admin and logs to tell tokens apart; not secret enough to matter
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


@dataclass(frozen=True)
class NewToken:
    """A token just created: `plaintext` exists only here, never in the database."""

    token: ApiToken
    plaintext: str


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(name: str, scope: str = TokenScope.READ, created_by: AbstractBaseUser | None = None) -> NewToken:
    """A new token for a client: 32 random bytes, URL-safe. Returns the plaintext once."""
    scope = TokenScope(scope)
    while True:
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        prefix = plaintext[: len(TOKEN_PREFIX) + PREFIX_CHARS]
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    name=name,
                    scope=scope,
                    prefix=prefix,
                    secret_hash=hash_token(plaintext),
                    created_by=created_by if created_by is not None and created_by.is_authenticated else None,
                )
        except IntegrityError:  # two tokens sharing their first 8 characters: draw again
            continue
        return NewToken(token, plaintext)


def revoke_token(token: ApiToken) -> ApiToken:
    """Refuse the token from now on (kept, so its use stays on record)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def revoke_tokens(token_ids: list[int]) -> int:
    """Revoke several tokens at once; returns how many were still live."""
    return ApiToken.objects.filter(pk__in=token_ids, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_token(plaintext: str) -> ApiToken | None:
    """The live token with this plaintext, or None (unknown or revoked). Notes when it was used."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = ApiToken.objects.select_related("created_by").filter(secret_hash=hash_token(plaintext)).first()
    if token is None or token.revoked_at is not None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Idempotency-Key -------------------------------------------------------------------------
MAX_IDEMPOTENCY_KEY = 255


def request_fingerprint(method: str, path: str, body: object) -> str:
    """What makes two requests the same request: method, path and the body as parsed JSON."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode("utf-8", "surrogatepass")).hexdigest()


class IdempotencyConflict(Exception):
    """The key was used before for another request."""


def replay(token: ApiToken, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The stored answer for this key, if the same request was made with it (within the retention
    period); raises IdempotencyConflict when the key was used for a different request."""
    cutoff = timezone.now() - timedelta(hours=settings.FACTCHECK_IDEMPOTENCY_HOURS)
    record = IdempotencyRecord.objects.filter(token=token, key=key).first()
    if record is None:
        return None
    if record.created_at < cutoff:
        record.delete()
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyConflict(key)
    return record


def remember(
    token: ApiToken, key: str, fingerprint: str, method: str, path: str, status_code: int, body: object
) -> IdempotencyRecord:
    """Store the answer given for this key (a concurrent first use of the key keeps its own)."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                token=token,
                key=key,
                method=method,
                path=path[:2000],
                request_hash=fingerprint,
                status_code=status_code,
                response_body=body,
            )
    except IntegrityError:
        return IdempotencyRecord.objects.get(token=token, key=key)
