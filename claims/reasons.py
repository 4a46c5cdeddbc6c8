"""Reasons (a cluster's status, a source's independence, a conflicting pair, a claim's
check-worthiness) in the reader's language.

The pipeline keeps each reason as English text and as parts (`newsclaims.matching.reasons`); this
words the parts with the active language's catalogue. A row written before the parts were kept,
or parts this version cannot fill, shows the stored English text rather than nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from newsclaims.matching.reasons import fill


def worded(parts: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The reason of `parts` in the active language, or `fallback` (the stored English text)."""
    if not parts:
        return fallback
    try:
        return fill(parts, gettext)
    except (KeyError, TypeError, ValueError):
        return fallback  # written by another version of the templates: its own text stands


# Why extraction found a claim check-worthy (`Claim.reasons`, codes the API serves as they are):
# what an editor reads for each. A code with a word after it ("not_checkable:will") names the
# article's word that lowered the score.
CHECKWORTHINESS_REASONS = {
    "statement": gettext_lazy("a statement"),
    "quantity": gettext_lazy("gives a figure"),
    "hedged_quantity": gettext_lazy("a hedged figure"),
    "date": gettext_lazy("dated"),
    "weekday": gettext_lazy("names a day"),
    "attributed": gettext_lazy("attributed to a speaker"),
    "quote": gettext_lazy("quoted"),
    "named_entity": gettext_lazy("names who or what"),
    "negation": gettext_lazy("a denial"),
    "short": gettext_lazy("short"),
    "imported": gettext_lazy("imported as a claim"),
    "not_checkable": gettext_lazy("not checkable (%(word)s)"),
    "commentary": gettext_lazy("commentary (%(word)s)"),
}


def checkworthiness_reason(code: str) -> str:
    """A check-worthiness reason code in the active language; an unknown code as its words."""
    name, _, word = str(code).partition(":")
    if name not in CHECKWORTHINESS_REASONS:
        return str(code).replace("_", " ")
    label = str(CHECKWORTHINESS_REASONS[name])
    return label % {"word": word} if "%(word)s" in label else label
