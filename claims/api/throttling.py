"""API throttles whose rates are read when a request arrives, not when DRF is imported.

DRF's own classes copy the rates into a class attribute at import, so a test's override or a
settings change would never reach them. Over the rate DRF answers 429 with Retry-After.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class AnonRateThrottle(throttling.AnonRateThrottle):
    """Anonymous readers, per client address (``FACTCHECK_API_ANON_RATE``)."""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserRateThrottle(throttling.UserRateThrottle):
    """Logged-in users, per user (``FACTCHECK_API_USER_RATE``)."""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
