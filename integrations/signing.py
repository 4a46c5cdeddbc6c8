"""The signature of a webhook delivery (Stripe-style), and its check for receivers.

    X-Factcheck-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>

The timestamp is signed with the body, so a captured delivery cannot be replayed later than the
receiver's tolerance. Pure Python: a receiver can copy this module as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Factcheck-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" keyed with `secret`."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Factcheck-Signature header's value for `body`, signed now (or at `timestamp`)."""
    moment = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={moment},v1={signature(secret, moment, body)}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """Whether `header` (X-Factcheck-Signature) signs `body` with `secret`, at most `tolerance`
    seconds from now. Compare on the raw request body, before any JSON parsing."""
    try:
        parts = [item.split("=", 1) for item in header.split(",")]
        timestamp = int(next(value for key, value in parts if key.strip() == "t"))
        candidates = [value.strip() for key, value in parts if key.strip() == "v1"]
    except (ValueError, StopIteration):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
