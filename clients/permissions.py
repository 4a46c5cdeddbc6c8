"""Who may do what: reading is open unless FACTCHECK_API_ANONYMOUS_READ is off; writing and
editorial actions need a token with the scope."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from clients.models import ApiToken, TokenScope


def token_of(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class CanRead(BasePermission):
    """Anyone while anonymous reading is on; else a token (any scope) or a logged-in user."""

    message = _("Reading the API needs a token.")

    def has_permission(self, request, view) -> bool:
        if settings.FACTCHECK_API_ANONYMOUS_READ:
            return True
        return token_of(request) is not None or bool(request.user and request.user.is_authenticated)


class _ScopeRequired(BasePermission):
    scope: str = TokenScope.WRITE

    def has_permission(self, request, view) -> bool:
        token = token_of(request)
        return token is not None and token.allows(self.scope)


class CanWrite(_ScopeRequired):
    """A token with the write (or editor) scope."""

    scope = TokenScope.WRITE
    message = _("This needs a token with the write scope.")


class CanEdit(_ScopeRequired):
    """A token with the editor scope."""

    scope = TokenScope.EDITOR
    message = _("This needs a token with the editor scope.")
