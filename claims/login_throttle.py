"""Failed logins are throttled per username and client address.

``FACTCHECK_LOGIN_FAILURE_LIMIT`` failures within ``FACTCHECK_LOGIN_FAILURE_WINDOW`` lock that
username from that address for ``FACTCHECK_LOGIN_LOCKOUT``: every attempt is refused meanwhile,
the right password included, so guessing gains nothing by going on. A successful login clears
the count. Per pair rather than per username, so a stranger cannot lock an editor out from
elsewhere; per pair rather than per address, so one office behind a NAT is not locked out together.
The counters live in the cache, which settings make shared between web processes.

The enforcement is an authentication backend (every login path: the admin, the API's basic
authentication); the admin's login form only words the refusal.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import ngettext

NO_ADDRESS = "-"


def client_address(request: HttpRequest | None) -> str:
    """The address the connection came from; behind a proxy that is the proxy (not a header a client can forge)."""
    if request is None:
        return NO_ADDRESS
    return request.META.get("REMOTE_ADDR") or NO_ADDRESS


def _key(kind: str, username: str, address: str) -> str:
    # hashed: usernames may hold characters a cache key cannot (memcached, Redis key hygiene)
    digest = hashlib.sha256(f"{username.casefold()}\0{address}".encode()).hexdigest()
    return f"login-{kind}:{digest}"


def locked_for(username: str, address: str) -> int:
    """Seconds left before ``username`` may try to log in again from ``address`` (0: not locked)."""
    until = cache.get(_key("locked", username, address))
    return max(0, int(until - time.time()) + 1) if until else 0


def record_failure(username: str, address: str) -> bool:
    """Count one failed login; lock the pair when it reaches the limit. Returns whether it is now locked."""
    count_key = _key("failures", username, address)
    window = int(settings.FACTCHECK_LOGIN_FAILURE_WINDOW.total_seconds())
    cache.add(count_key, 0, timeout=window)  # the window runs from the first failure
    try:
        failures = cache.incr(count_key)
    except ValueError:  # the window ended between add and incr
        cache.set(count_key, 1, timeout=window)
        failures = 1
    if failures < settings.FACTCHECK_LOGIN_FAILURE_LIMIT:
        return False
    lockout = int(settings.FACTCHECK_LOGIN_LOCKOUT.total_seconds())
    cache.set(_key("locked", username, address), time.time() + lockout, timeout=lockout)
    cache.delete(count_key)
    return True


def clear_failures(username: str, address: str) -> None:
    """A successful login starts the count afresh."""
    cache.delete(_key("failures", username, address))


def lockout_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many failed logins for this account from your address. Try again in %(minutes)d minute.",
        "Too many failed logins for this account from your address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledModelBackend(ModelBackend):
    """Django's username/password check, refusing a locked pair and counting failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if username is None or password is None:
            return None
        if "\x00" in str(username):
            # No stored username holds a NUL, and PostgreSQL refuses it in a query (a 500 through
            # HTTP basic authentication, where no form field screens it out first).
            return None
        address = client_address(request)
        if locked_for(username, address):
            raise PermissionDenied  # stops authenticate() here: no other backend, no password check
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username, address)
        else:
            clear_failures(username, address)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, saying plainly when a pair is locked out instead of "wrong password"."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if seconds := locked_for(username, address):
            raise ValidationError(lockout_message(seconds), code="locked_out")
        try:
            return super().clean()
        except ValidationError:
            if seconds := locked_for(username, address):  # this failure was the last one allowed
                raise ValidationError(lockout_message(seconds), code="locked_out") from None
            raise
