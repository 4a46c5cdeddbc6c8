"""``Authorization: Bearer <token>`` (or ``Token <token>``) for the API."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from clients.models import ApiToken
from clients.services import authenticate_token

KEYWORDS = ("bearer", "token")


class TokenAuthentication(authentication.BaseAuthentication):
    """A client's API token. `request.auth` is the ApiToken; `request.user` the user who created it
    (anonymous when a script made it), so editors' decisions made through it are credited to them."""

    def authenticate(self, request) -> tuple[object, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode("latin-1") not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: give the token after the keyword."))
        try:
            plaintext = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = authenticate_token(plaintext)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        user = token.created_by if token.created_by is not None and token.created_by.is_active else AnonymousUser()
        return user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge), not 403, to a request without credentials.
        return 'Bearer realm="api"'
