"""Why a cluster has its status, and why a source counts or not, in words any reader's language can take.

Pure Python. A reason is kept twice: as English text (what logs, tests and older rows read) and as
parts, a code naming a template of `REASONS` with the fields that fill it, so the service can word
it again in the language an editor or an API client asks for. The templates are marked with
`gettext_noop` so `makemessages` collects them; this package translates nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks a string for translation (makemessages finds it by this name) and returns it unchanged."""
    return message


REASONS: dict[str, str] = {
    # A cluster's status.
    "contradiction": gettext_noop("%(count)d conflicting pair(s); claims %(first)s and %(second)s: %(reason)s"),
    "one_source": gettext_noop("all %(count)d claim(s) come from one source"),
    "one_voice": gettext_noop("%(count)d sources, but they are one voice (same publisher or syndicated copies)"),
    "agreement": gettext_noop("%(count)d independent sources, no conflicting pair"),
    # Why two claims conflict.
    "quantity": gettext_noop(
        "quantity: '%(figure_a)s' admits %(interval_a)s and '%(figure_b)s' admits %(interval_b)s (%(unit)s); "
        "the intervals do not overlap"
    ),
    "quantity_dated": gettext_noop(
        "quantity: '%(figure_a)s' admits %(interval_a)s and '%(figure_b)s' admits %(interval_b)s "
        "(%(unit)s, as of %(as_of_a)s and %(as_of_b)s); the intervals do not overlap"
    ),
    "polarity": gettext_noop(
        "polarity: one claim is %(polarity_a)s, the other %(polarity_b)s (match score %(score).2f)"
    ),
    "polarity_and_stance": gettext_noop(
        "polarity: one claim is %(polarity_a)s, the other %(polarity_b)s (match score %(score).2f); "
        "the stance model reads them as contradicting (p=%(p).2f)"
    ),
    "stance": gettext_noop("stance: the stance model reads these claims as contradicting (p=%(p).2f)"),
    # The same, where the cross-encoder was not read since no reading of it could change the verdict.
    "polarity_and_stance_at_least": gettext_noop(
        "polarity: one claim is %(polarity_a)s, the other %(polarity_b)s (match score %(score).2f); "
        "the stance model reads them as contradicting (p at least %(p).2f)"
    ),
    "stance_at_least": gettext_noop(
        "stance: the stance model reads these claims as contradicting (p at least %(p).2f)"
    ),
    # Why a source counts as an independent voice, or not.
    "independent": gettext_noop("independent"),
    "same_publisher": gettext_noop("same publisher as source %(source)s (%(publisher)s)"),
    "near_identical": gettext_noop("near-identical text to source %(source)s (Jaccard %(jaccard).2f)"),
}

# Field values that are words of ours, not of an article (a claim's polarity): worded too.
WORDS: dict[str, str] = {
    "positive": gettext_noop("positive"),
    "negative": gettext_noop("negative"),
    "value": gettext_noop("value"),
}
WORDED_FIELDS = frozenset({"polarity_a", "polarity_b", "unit"})


def fill(parts: Mapping[str, Any], translate: Callable[[str], str] = gettext_noop) -> str:
    """The reason of these parts in the language `translate` gives (English by default).

    Nested reasons (a contradiction names its first pair's) are worded the same way. Raises
    KeyError or TypeError when the parts do not fit a template (a reason written by another version).
    """
    fields = {}
    for name, value in parts["fields"].items():
        if isinstance(value, Mapping):
            value = fill(value, translate)
        elif name in WORDED_FIELDS and value in WORDS:
            value = translate(WORDS[value])
        fields[name] = value
    return translate(REASONS[parts["code"]]) % fields


class Reason(str):
    """A reason's English text that also carries its code and fields (`parts()`), so a reader's
    language can word it again. It is a str, so callers that print or compare reasons are unchanged."""

    code: str
    fields: dict[str, Any]

    def __new__(cls, code: str, **fields: Any) -> Reason:
        if code not in REASONS:
            raise KeyError(f"unknown reason code {code!r}")
        plain = {k: _plain(v) for k, v in fields.items()}
        text = super().__new__(cls, fill({"code": code, "fields": _field_parts(plain)}))
        text.code, text.fields = code, plain
        return text

    def parts(self) -> dict[str, Any]:
        """{"code": ..., "fields": {...}}: JSON, nested reasons as parts too."""
        return {"code": self.code, "fields": _field_parts(self.fields)}

    def __reduce__(self):  # pickled across processes (rebuild workers) with its parts
        return (_from_parts, (self.parts(),))


def _plain(value: Any) -> Any:
    """A numpy scalar (a model's probability, a cosine) as the Python number JSON can store."""
    return value.item() if hasattr(value, "item") else value


def _field_parts(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fields as JSON: a nested reason as its parts."""
    return {k: v.parts() if isinstance(v, Reason) else v for k, v in fields.items()}


def _from_parts(parts: Mapping[str, Any]) -> Reason:
    fields = {k: _from_parts(v) if isinstance(v, Mapping) else v for k, v in parts["fields"].items()}
    return Reason(parts["code"], **fields)
