"""Every user-facing string of the service's Python code has an Arabic translation: the strings
marked for translation (gettext and friends, as `make messages` collects them) are all in
locale/ar's catalogue, translated and not fuzzy."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.po"
# What `make messages` leaves out: code that is not the service (tests, training, evaluation, docs).
NOT_SERVICE = {".venv", "var", "tests", "training", "evaluation", "docs", "staticfiles", "node_modules"}
KEYWORDS = [
    "_",
    "gettext",
    "gettext_noop",
    "gettext_lazy",
    "ngettext:1,2",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "pgettext_lazy:1c,2",
]


def _unquote(chunk: str) -> str:
    return (
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)).encode().decode("unicode_escape").encode("latin-1").decode()
    )


def entries(po_text: str) -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy) of a .po text (singular forms; a plural's first form)."""
    out = {}
    for block in po_text.split("\n\n"):
        found = re.search(
            r'^msgid ((?:".*"\n?)+)(?:msgid_plural (?:".*"\n?)+)?msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M
        )
        if found:
            out[_unquote(found.group(1))] = (_unquote(found.group(2)), "#, fuzzy" in block or ", fuzzy" in block)
    out.pop("", None)  # the header
    return out


def test_the_catalogue_has_no_untranslated_or_fuzzy_message():
    missing = [m for m, (text, fuzzy) in entries(CATALOGUE.read_text(encoding="utf-8")).items() if not text or fuzzy]
    assert missing == [], "translate these in locale/ar (make messages):\n" + "\n".join(missing)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext (apt install gettext)")
def test_every_string_marked_in_the_service_code_is_in_the_catalogue():
    files = sorted(
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if not NOT_SERVICE & set(p.relative_to(ROOT).parts[:-1]) and p.parts[-2:] != ("locale",)
    )
    command = ["xgettext", "--language=Python", "--from-code=UTF-8", "--output=-"]
    command += [f"--keyword={k}" for k in KEYWORDS]
    marked = subprocess.run([*command, *files], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    known = entries(CATALOGUE.read_text(encoding="utf-8"))
    absent = sorted(set(entries(marked)) - set(known))
    assert absent == [], "run make messages and translate:\n" + "\n".join(absent)


def test_the_catalogue_reader_sees_a_fuzzy_or_empty_translation():
    po = (
        'msgid ""\nmsgstr ""\n"Language: ar\\n"\n\n'
        'msgid "a"\nmsgstr "أ"\n\n#, fuzzy\nmsgid "b"\nmsgstr "ب"\n\nmsgid "c"\nmsgstr ""'
    )
    assert entries(po) == {"a": ("أ", False), "b": ("ب", True), "c": ("", False)}
