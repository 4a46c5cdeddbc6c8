"""Arabic/English orthographic normalisation used ONLY for matching.

Stored text and every offset the service exposes refer to the original text.
Normalisation therefore comes with an index map so a match found in the
normalised string can be mapped back to an exact slice of the original.

What is normalised (and why):

* alef forms ``أ إ آ ٱ`` -> ``ا``, ``ى`` -> ``ي``, ``ة`` -> ``ه``: news text
  spells hamza/ta-marbuta inconsistently, so patterns are written once in the
  bare form.
* Persian ``ی ک`` -> ``ي ك``: common in copy-pasted text.
* harakat/diacritics, tatweel ``ـ`` and bidi/zero-width controls are removed:
  they are invisible and break literal matching ("لـأكثر", "حساباً").
* Eastern-Arabic ``٠-٩`` and Persian ``۰-۹`` digits -> ASCII; Arabic decimal
  ``٫`` -> ``.``, thousands ``٬`` -> ``,``, percent ``٪`` -> ``%``.
* exotic spaces -> space, en/em dashes and minus -> ``-``.

Everything is 1:1 except removals, so the map is cheap to build.  Pure
Python, no Django imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ARABIC_CLITICS", "NormalizedText", "is_arabic_char", "normalize", "normalize_with_map"]

# Arabic clitics glued to a word (conjunction, preposition, article), in normalised spelling,
# longest first: stripping them lets "والعقوبات" match "العقوبات".
ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")

_ONE_TO_ONE: dict[str, str] = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ی": "ي",
    "ک": "ك",
    "٫": ".",
    "٬": ",",
    "٪": "%",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
}
for _i in range(10):
    _ONE_TO_ONE[chr(0x0660 + _i)] = str(_i)  # Eastern-Arabic digits
    _ONE_TO_ONE[chr(0x06F0 + _i)] = str(_i)  # Persian digits

# Characters dropped from the normalised string.  Combining marks first (they
# belong to the preceding letter, so a match ending on that letter is extended
# over them), then invisible controls.
_COMBINING = "\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u0640"
_CONTROLS = "\u200b-\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff"
_DROP_RE = re.compile(f"[{_COMBINING}{_CONTROLS}]")
_COMBINING_RE = re.compile(f"[{_COMBINING}]")

_TRANS = str.maketrans(_ONE_TO_ONE)


def is_arabic_char(ch: str) -> bool:
    """True for characters of the Arabic script blocks (letters, digits, marks)."""
    o = ord(ch)
    return 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF


@dataclass(frozen=True)
class NormalizedText:
    """A normalised string plus the way back to the original.

    ``offsets[i]`` is the index in ``original`` of normalised char ``i``;
    ``offsets[len(norm)] == len(original)``.
    """

    original: str
    norm: str
    offsets: tuple[int, ...] | None  # None: identity map (nothing was removed)

    def orig_index(self, i: int) -> int:
        """Original index of normalised position ``i`` (0 <= i <= len(norm))."""
        if self.offsets is None:
            return i
        return self.offsets[i]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised half-open span to the original half-open span.

        The end is extended over combining marks (harakat, tatweel) that follow
        the last matched letter, so "حساباً" is returned whole rather than
        without its tanween.
        """
        if self.offsets is None:
            s, e = start, end
        else:
            s = self.offsets[start]
            e = self.offsets[end - 1] + 1 if end > start else s
        orig = self.original
        n = len(orig)
        while e < n and _COMBINING_RE.match(orig, e):
            e += 1
        return s, e


def normalize_with_map(text: str) -> NormalizedText:
    """Normalise ``text`` and keep an index map back to the original."""
    translated = text.translate(_TRANS)
    if not _DROP_RE.search(translated):
        return NormalizedText(text, translated, None)
    keep_chars: list[str] = []
    offsets: list[int] = []
    last = 0
    for m in _DROP_RE.finditer(translated):
        s = m.start()
        if s > last:
            keep_chars.append(translated[last:s])
            offsets.extend(range(last, s))
        last = m.end()
    if last < len(translated):
        keep_chars.append(translated[last:])
        offsets.extend(range(last, len(translated)))
    offsets.append(len(text))
    return NormalizedText(text, "".join(keep_chars), tuple(offsets))


def normalize(text: str) -> str:
    """Return the matching form of ``text`` (see module docstring)."""
    return _DROP_RE.sub("", text.translate(_TRANS))
