"""Reasons (a cluster's status, a source's independence, a conflicting pair) in the reader's language.

The pipeline keeps each reason as English text and as parts (`newsclaims.matching.reasons`); this
words the parts with the active language's catalogue. A row written before the parts were kept,
or parts this version cannot fill, shows the stored English text rather than nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from newsclaims.matching.reasons import fill


def worded(parts: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The reason of `parts` in the active language, or `fallback` (the stored English text)."""
    if not parts:
        return fallback
    try:
        return fill(parts, gettext)
    except (KeyError, TypeError, ValueError):
        return fallback  # written by another version of the templates: its own text stands
