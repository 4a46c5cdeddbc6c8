"""Rates per token (the cache key is the token's id), per logged-in user and per anonymous address.

A request made with a token counts against the token's rate only (``FACTCHECK_API_TOKEN_RATE``);
the others against ``FACTCHECK_API_USER_RATE`` / ``FACTCHECK_API_ANON_RATE``. Rates are read when
a request arrives (claims.api.throttling). Over the rate: 429 with Retry-After.
"""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.settings import api_settings

from claims.api import throttling as base
from clients.permissions import token_of


class AnonRateThrottle(base.AnonRateThrottle):
    def get_cache_key(self, request, view) -> str | None:
        return None if token_of(request) else super().get_cache_key(request, view)


class UserRateThrottle(base.UserRateThrottle):
    def get_cache_key(self, request, view) -> str | None:
        return None if token_of(request) else super().get_cache_key(request, view)


class TokenRateThrottle(throttling.SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        token = token_of(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"token-{token.pk}"}
