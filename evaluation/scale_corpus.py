"""A synthetic newsroom archive of any size, built from real sentences (issue 14, "Scale").

`manage.py bench scale` stores such an archive in a scratch database and times the service on
it. The sentences are the benchmark's own (../shared/bench/): ANS headlines with their human
paraphrases (agree rows) and contradictions (disagree rows), and the STS-2017 pairs (ar-ar, ar-en,
en-en; gold >= 4 is one claim, so an ar-en pair is a translation). Around them:

- **facts** (the gold groups) of 2 to 6 claims: the family's paraphrases and translations first,
  filled up with near-duplicates (small edits: a prefix, a dropped word, Arabic spelling
  variants, another digit script), so every claim has company and the pair scorer works;
- **contradictions** inside a fact: an ANS disagree rewrite, or the fact's figure changed at the
  same moment (disjoint figures: the status rules' contradiction); a figure changed weeks later
  is a **timeline** instead; families without a figure get one appended now and then (a count of
  dead, injured, ... in both languages), so figures exist in every part of the corpus;
- **distinct facts** close to others: a name swapped (a country, a city, a person) makes a sibling
  fact of the same story; ANS "other" rows and STS pairs of middling score are siblings too;
- **sources**: claims spread over a few hundred publishers (a Zipf-like share each, Arabic and
  English outlets) and the days a newsroom fills at CLAIMS_PER_DAY (two years at most; a
  story's claims within a day); about
  `article_share` of them sit in articles of 2-4 claims taken in date order (a story's facts or
  a digest of the day's: article clauses, read by the clause pair model), the rest are one-claim
  statements (the import path, the pairs the stance cross-encoder reads).

Cross-language facts are as many as the STS ar-en pairs of gold >= 4 give (about 1% of the
claims): nothing here translates.

Past what the sentences give (some 12,000 claims), every family comes round again in another place
("... in Mosul", "... في الموصل") with its figures scaled: a new fact each time, as a newsroom sees
the same kind of event in many places. The builder is deterministic for a seed, and the archive of
a smaller size is mostly a prefix of a larger one. Besides the archive it returns held-out
**newcomers** (one-claim statements: half restate an archived fact, half are new) and small
**articles** to ingest (of sentences with figures, which extraction finds check-worthy).
Pure Python: no Django, no numpy.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DIR = REPO.parent / "shared" / "bench"

# What a claim is to its fact (CorpusClaim.role).
ORIGINAL = "original"  # the family's headline, or a derived fact's first claim
PARAPHRASE = "paraphrase"  # a human paraphrase in the same language (ANS agree, STS >= 4)
TRANSLATION = "translation"  # the same claim in the other language (STS ar-en >= 4)
NEAR_DUPLICATE = "near_duplicate"  # a small edit of a member
CONTRADICTION = "contradiction"  # a human-written contradiction (ANS disagree)
FIGURE_CHANGED = "figure_changed"  # the fact's figure changed, same moment: a contradiction
LATER_FIGURE = "later_figure"  # the fact's figure changed, weeks later: a timeline, not a conflict
NAME_CHANGED = "name_changed"  # a name swapped: the first claim of a distinct sibling fact
ROLES = (ORIGINAL, PARAPHRASE, TRANSLATION, NEAR_DUPLICATE, CONTRADICTION, FIGURE_CHANGED, LATER_FIGURE, NAME_CHANGED)

ARTICLE = "article"
STATEMENT = "claim"  # the service's SourceKind values: an article, or one imported claim

GROUP_SIZES = (2, 3, 4, 5, 6)
GROUP_WEIGHTS = (0.30, 0.25, 0.20, 0.15, 0.10)  # most facts are told by a few outlets
START = datetime(2023, 1, 1, tzinfo=UTC)
ARTICLE_WINDOW = timedelta(hours=6)  # the claims of one article were published this close together
SPAN_DAYS = 730  # the longest archive
# A few hundred outlets' check-worthy claims a day: the archive spans n / CLAIMS_PER_DAY days, so
# its density (what an article bundles, how crowded a day is) is the same at every size.
CLAIMS_PER_DAY = 150

_AR_LETTERS = re.compile(r"[\u0600-\u06ff]")
_LATIN = re.compile(r"[A-Za-z]")
# A figure: Western or Arabic-Indic digits, with thousands or decimal separators.
_NUMBER = re.compile(r"(?<![0-9٠-٩])(?:[0-9]+(?:[.,][0-9]+)*|[٠-٩]+(?:[٫٬.,][٠-٩]+)*)(?![0-9٠-٩])")
_TO_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_TO_WESTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫٬", "0123456789.,")
_END = re.compile(r"[.!?؟…]$")

# Parallel lists: the same place in both languages, so a relocated translation stays a translation.
_PLACES_AR = (
    "الموصل", "حلب", "درنة", "صنعاء", "الخرطوم", "طرابلس", "بنغازي", "حمص", "البصرة", "عدن", "تعز", "إدلب",
    "الرقة", "مأرب", "سرت", "كركوك", "أربيل", "الحديدة", "نابلس", "جنين", "رفح", "خان يونس", "دير الزور",
    "مصراتة", "سبها", "الفلوجة", "النجف", "كربلاء", "طرطوس", "اللاذقية",
)  # fmt: skip
_PLACES_EN = (
    "Mosul", "Aleppo", "Derna", "Sanaa", "Khartoum", "Tripoli", "Benghazi", "Homs", "Basra", "Aden", "Taiz", "Idlib",
    "Raqqa", "Marib", "Sirte", "Kirkuk", "Erbil", "Hodeidah", "Nablus", "Jenin", "Rafah", "Khan Younis",
    "Deir ez-Zor", "Misrata", "Sabha", "Fallujah", "Najaf", "Karbala", "Tartus", "Latakia",
)  # fmt: skip
# Names that can stand for one another (a swap makes another fact of the same kind).
_SWAPS_AR = (
    ("ليبيا", "سوريا", "مصر", "تركيا", "إيران", "العراق", "لبنان", "الأردن", "اليمن", "السعودية", "تونس",
     "المغرب", "الجزائر", "السودان", "قطر", "الكويت", "الإمارات"),
    ("طرابلس", "بنغازي", "دمشق", "حلب", "القاهرة", "الإسكندرية", "بغداد", "الموصل", "بيروت", "عمان", "غزة",
     "صنعاء", "الرياض", "جدة", "الدوحة", "دبي"),
    ("ترامب", "بوتين", "ماكرون", "أردوغان", "ميركل", "روحاني", "نتنياهو", "السيسي", "الأسد", "جونسون"),
    ("النفط", "الذهب", "الدولار", "اليورو", "الفضة"),
    ("الصين", "روسيا", "فرنسا", "ألمانيا", "بريطانيا", "اليابان", "الهند", "أمريكا"),
)  # fmt: skip
_SWAPS_EN = (
    ("Libya", "Syria", "Egypt", "Turkey", "Iran", "Iraq", "Lebanon", "Jordan", "Yemen", "China", "Russia", "France"),
    ("man", "woman", "boy", "girl"),
    ("men", "women", "boys", "girls"),
    ("dog", "cat", "horse", "bird"),
    ("guitar", "piano", "violin", "flute"),
    ("London", "Paris", "Berlin", "Madrid", "Rome", "Tokyo"),
)
# A figure appended to a family without one: (Arabic, English), {n} the value.
_FIGURE_CLAUSES = (
    ("، ما أسفر عن مقتل {n} شخصا", ", killing {n} people"),
    ("، وأصيب {n} شخصا بجروح", ", and {n} people were injured"),
    ("، ونزح {n} شخص من منازلهم", ", displacing {n} people from their homes"),
    ("، بحسب حصيلة بلغت {n} قتيلا", ", with a death toll of {n}"),
    ("، واعتقل {n} شخصا", ", and {n} people were arrested"),
)
_AR_PREFIXES = ("عاجل: ", "تقرير: ", "مصادر: ")
_EN_PREFIXES = ("Breaking: ", "Report: ", "Update: ")
_AR_SPELLING = (("أ", "ا"), ("إ", "ا"), ("ى", "ي"), ("ة ", "ه "), ("آ", "ا"))


def language_of(text: str) -> str:
    """ar or en, by the share of Arabic letters (the corpus has no other language)."""
    arabic = len(_AR_LETTERS.findall(text))
    return "ar" if arabic >= len(_LATIN.findall(text)) else "en"


# --- Reading the families ---------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    """Sentences stating one fact (a headline first, then its paraphrases and translations), the
    human-written contradictions of it, and the story it belongs to (siblings share a story)."""

    story: int
    sentences: tuple[str, ...]
    contradictions: tuple[str, ...] = ()
    origin: str = ""


def read_families(bench_dir: Path) -> list[Family]:
    """ANS (train and dev) and STS-2017 (tracks 1, 2, 5) as families, in file order."""
    families: list[Family] = []
    story = 0
    ans_rows: list[tuple[str, str, str]] = []
    for name in ("stance_train.csv", "stance_dev.csv"):
        with (bench_dir / "ans" / name).open(encoding="utf-8") as handle:
            ans_rows += [(r["s1"].strip(), r["s2"].strip(), r["stance"].strip()) for r in csv.DictReader(handle)]
    # Paraphrases are the connected components of agree rows (ANS reuses a rewrite as a headline).
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s1, s2, stance in ans_rows:
        find(s1)
        if stance == "agree":
            a, b = find(s1), find(s2)
            if a != b:
                parent[b] = a
    members: dict[str, list[str]] = defaultdict(list)
    for s1, s2, stance in ans_rows:
        for s in (s1, s2) if stance == "agree" else (s1,):
            if s not in members[find(s)]:
                members[find(s)].append(s)
    contradictions: dict[str, list[str]] = defaultdict(list)
    others: dict[str, list[str]] = defaultdict(list)
    for s1, s2, stance in ans_rows:
        if stance == "disagree":
            contradictions[find(s1)].append(s2)
        elif stance == "other":
            others[find(s1)].append(s2)
    for root, sentences in members.items():
        families.append(Family(story, tuple(sentences), tuple(dict.fromkeys(contradictions[root])), "ans"))
        for sibling in dict.fromkeys(others[root]):
            families.append(Family(story, (sibling,), (), "ans-other"))
        story += 1
    for track in ("track1.ar-ar", "track2.ar-en", "track5.en-en"):
        inputs = (bench_dir / "sts2017" / f"STS.input.{track}.txt").read_text(encoding="utf-8").splitlines()
        golds = (bench_dir / "sts2017" / f"STS.gs.{track}.txt").read_text(encoding="utf-8").splitlines()
        for line, gold in zip(inputs, golds, strict=True):
            a, b = (part.strip() for part in line.split("\t")[:2])
            score = float(gold)
            origin = f"sts-{track.split('.')[1]}"
            if score >= 4.0:  # the benchmark's "same claim"
                families.append(Family(story, (a, b), (), origin))
                story += 1
            elif score >= 2.0:  # related but not the same: two sibling facts of one story
                families += [Family(story, (a,), (), origin), Family(story, (b,), (), origin)]
                story += 1
            else:
                families += [Family(story, (a,), (), origin), Family(story + 1, (b,), (), origin)]
                story += 2
    return families


# --- Edits ------------------------------------------------------------------------------------
def _is_year(raw: str) -> bool:
    western = raw.translate(_TO_WESTERN_DIGITS)
    return western.isdigit() and len(western) == 4 and 1900 <= int(western) <= 2100


def has_figure(text: str) -> bool:
    """Whether the text holds a figure that is not a year."""
    return any(not _is_year(m.group()) for m in _NUMBER.finditer(text))


def _format_like(raw: str, value: int) -> str:
    text = str(value)
    return text.translate(_TO_ARABIC_DIGITS) if re.search(r"[٠-٩]", raw) else text


def change_figures(text: str, scale: float, offset: int = 0) -> str:
    """Every figure but years multiplied by `scale` (plus `offset`), kept in its digit script. A scale
    of 1.5 or more (or below 0.67) makes the new figure's interval disjoint from the old one."""

    def replace(m: re.Match) -> str:
        raw = m.group()
        if _is_year(raw):
            return raw
        western = raw.translate(_TO_WESTERN_DIGITS).replace(",", "")
        try:
            value = float(western)
        except ValueError:
            return raw
        new = max(1, round(value * scale) + offset)
        if new == round(value):
            new += 1
        return _format_like(raw, new)

    return _NUMBER.sub(replace, text)


def swap_name(text: str, rng: random.Random) -> str | None:
    """The text with one name (a country, a city, a person, a commodity; a noun in English) swapped
    for another of its kind, or None when it names none."""
    arabic = language_of(text) == "ar"
    for names in _SWAPS_AR if arabic else _SWAPS_EN:
        for name in names:
            # Arabic: the name may carry a proclitic (و، ف، ب، ل، ك); English: a whole word.
            pattern = (
                rf"(?<![\u0600-\u06ff])([وفبلك]?){re.escape(name)}(?![\u0600-\u06ff])"
                if arabic
                else rf"(?<![A-Za-z])(){re.escape(name)}(?![A-Za-z])"
            )
            m = re.search(pattern, text)
            if m:
                other = rng.choice([n for n in names if n != name])
                return text[: m.start()] + m.group(1) + other + text[m.end() :]
    return None


def near_duplicates(text: str, rng: random.Random) -> Iterator[str]:
    """Small edits of a text, in a random order: what copies of one wire story differ by."""
    arabic = language_of(text) == "ar"
    words = text.split()
    edits = []
    prefixes = _AR_PREFIXES if arabic else _EN_PREFIXES
    edits.append(lambda: rng.choice(prefixes) + text)
    if len(words) >= 5:

        def drop() -> str:
            k = rng.randrange(1, len(words) - 1)  # never the first or last word
            return " ".join(words[:k] + words[k + 1 :])

        edits += [drop, drop]
    if arabic:
        for old, new in _AR_SPELLING:
            if old in text:
                edits.append(lambda old=old, new=new: text.replace(old, new, 1))
    else:
        edits.append(lambda: text[:1].swapcase() + text[1:])
    if arabic and re.search(r"[0-9]", text):
        edits.append(lambda: text.translate(_TO_ARABIC_DIGITS))
    if re.search(r"[٠-٩]", text):
        edits.append(lambda: text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")))
    edits.append(lambda: text[:-1] if _END.search(text) else text + ("." if not arabic else "،"))
    rng.shuffle(edits)
    for edit in edits:
        edited = edit().strip()
        if edited and edited != text:
            yield edited


def _relocated(family: Family, cycle: int) -> Family:
    """The family told again in another place, figures scaled: a new fact for each cycle >= 1."""
    place = (cycle - 1) % len(_PLACES_AR)
    rounds = (cycle - 1) // len(_PLACES_AR)
    scale = 1.0 + 0.37 * cycle

    def move(text: str) -> str:
        text = change_figures(text, scale) if has_figure(text) else text
        if language_of(text) == "ar":
            where = f" في {_PLACES_AR[place]}" + (f" ({rounds + 1})" if rounds else "")
        else:
            where = f" in {_PLACES_EN[place]}" + (f" ({rounds + 1})" if rounds else "")
        return _END.sub("", text) + where

    return Family(
        family.story, tuple(move(s) for s in family.sentences), tuple(move(s) for s in family.contradictions),
        family.origin,
    )  # fmt: skip


# --- The corpus -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CorpusClaim:
    """One claim: its text, its fact (gold group) and story, its role in the fact, and where it
    sits: `source` indexes the list it came with, `text == source.text[start:end]`."""

    text: str
    language: str
    fact: int
    story: int
    role: str
    source: int
    start: int
    end: int


@dataclass(frozen=True)
class CorpusSource:
    """An article (several claims) or a one-claim statement, with its publisher and date."""

    text: str
    kind: str
    publisher: str
    published_at: datetime
    language: str
    url: str


@dataclass(frozen=True)
class IngestArticle:
    """A small article to ingest through the service, and the sentences it is made of."""

    text: str
    sentences: tuple[str, ...]
    language: str
    publisher: str
    published_at: datetime


@dataclass
class Corpus:
    claims: list[CorpusClaim]
    sources: list[CorpusSource]
    newcomers: list[CorpusClaim]  # one-claim statements held out of the archive; `source` indexes
    newcomer_sources: list[CorpusSource]  # this list
    articles: list[IngestArticle]
    seed: int = 0
    notes: dict = field(default_factory=dict)

    def fact_sizes(self) -> dict[int, int]:
        return dict(Counter(c.fact for c in self.claims))

    def summary(self) -> str:
        """One line: claims, facts, languages, roles, sources."""
        languages = Counter(c.language for c in self.claims)
        roles = Counter(c.role for c in self.claims)
        kinds = Counter(s.kind for s in self.sources)
        facts = self.fact_sizes()
        shown_roles = ", ".join(f"{role} {roles[role]}" for role in ROLES if roles[role])
        return (
            f"{len(self.claims)} claims in {len(facts)} facts of {len({c.story for c in self.claims})} stories "
            f"(ar {languages['ar']}, en {languages['en']}; {shown_roles}); {kinds[ARTICLE]} articles and "
            f"{kinds[STATEMENT]} statements from {len({s.publisher for s in self.sources})} publishers"
        )


@dataclass
class _Draft:
    text: str
    language: str
    fact: int
    story: int
    role: str
    published_at: datetime
    publisher: str


class _Builder:
    """The fact stream: families in a seeded order, each turned into one fact (and sometimes a
    sibling fact), then the same families again relocated, for as long as asked."""

    def __init__(self, families: Sequence[Family], seed: int, publishers: int, span_days: float) -> None:
        if not families:
            raise ValueError("no families to build a corpus from")
        self.families = list(families)
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
        self.used: set[str] = set()
        self.facts = 0
        self.stories: dict[tuple[int, int], int] = {}
        self.story_dates: dict[int, datetime] = {}
        self.span_days = span_days
        n_ar = max(1, publishers * 2 // 3)
        self.publishers = {
            "ar": [f"ar-outlet-{i:03d}" for i in range(n_ar)],
            "en": [f"en-outlet-{i:03d}" for i in range(max(1, publishers - n_ar))],
        }
        # Zipf-like: a few big outlets publish much of the news.
        self.weights = {lang: [1.0 / (i + 1) ** 0.8 for i in range(len(p))] for lang, p in self.publishers.items()}

    def publisher(self, language: str) -> str:
        return self.rng.choices(self.publishers[language], self.weights[language])[0]

    def story_id(self, cycle: int, story: int) -> int:
        key = (cycle, story)
        if key not in self.stories:
            self.stories[key] = len(self.stories)
            self.story_dates[self.stories[key]] = START + timedelta(seconds=self.rng.uniform(0, self.span_days * 86400))
        return self.stories[key]

    def when(self, story: int, later: bool = False) -> datetime:
        # A story's claims within 18 hours (an article may move one 6 hours earlier): their as-of
        # dates stay within FACTCHECK_SAME_MOMENT_DAYS (1), so a changed figure is a contradiction.
        days = self.rng.uniform(10, 40) if later else self.rng.uniform(0, 0.75)
        return self.story_dates[story] + timedelta(days=days)

    def take(self, text: str) -> bool:
        """Reserve a text: each text appears once in the corpus (a copy is an edit, never identical)."""
        if not text or text in self.used:
            return False
        self.used.add(text)
        return True

    def near_duplicate(self, text: str) -> str | None:
        for edited in near_duplicates(text, self.rng):
            if self.take(edited):
                return edited
        return None

    def stream(self) -> Iterator[list[_Draft]]:
        """Facts, one list of members each, for ever (cycling through the families)."""
        order = list(range(len(self.families)))
        self.rng.shuffle(order)
        cycle = 0
        while True:
            produced = False
            for index in order:
                family = self.families[index] if cycle == 0 else _relocated(self.families[index], cycle)
                for fact in self.facts_of(family, self.story_id(cycle, family.story)):
                    produced = True
                    yield fact
            if not produced:
                raise ValueError("the families give no fact")
            cycle += 1

    def facts_of(self, family: Family, story: int) -> list[list[_Draft]]:
        rng = self.rng
        base = [s for s in dict.fromkeys(family.sentences) if s not in self.used]
        if not base:
            return []
        target = rng.choices(GROUP_SIZES, GROUP_WEIGHTS)[0]
        if not any(has_figure(s) for s in base) and rng.random() < 0.3:
            # A figure for this fact in every member's language, so conflicts exist across the corpus.
            clause = rng.choice(_FIGURE_CLAUSES)
            value = rng.choice([3, 7, 12, 25, 40, 65, 120, 300, 1500])
            with_figure = [_END.sub("", s) + clause[0 if language_of(s) == "ar" else 1].format(n=value) for s in base]
            base = [s for s in with_figure if s not in self.used]
            if not base:
                return []
        fact = self.facts
        self.facts += 1
        headline = base[0]
        head_language = language_of(headline)
        members: list[_Draft] = []

        def add(text: str, role: str, later: bool = False) -> None:
            language = language_of(text)
            members.append(_Draft(text, language, fact, story, role, self.when(story, later), self.publisher(language)))

        contradicted = rng.random() < 0.25
        agreeing = target - 1 if contradicted else target
        for text in base[:agreeing]:
            if self.take(text):
                role = ORIGINAL if not members else (PARAPHRASE if language_of(text) == head_language else TRANSLATION)
                add(text, role)
        if not members:
            return []
        if contradicted:
            written = [s for s in family.contradictions if s not in self.used]
            if written and self.take(written[0]):
                add(written[0], CONTRADICTION)
            elif has_figure(headline):
                changed = change_figures(headline, rng.choice([0.5, 1.6, 2.0, 3.0]))
                if self.take(changed):
                    add(changed, FIGURE_CHANGED)
        if len(members) < target and has_figure(headline) and rng.random() < 0.15:
            later = change_figures(headline, rng.choice([1.5, 2.0]))
            if self.take(later):
                add(later, LATER_FIGURE, later=True)
        agree_texts = [m.text for m in members if m.role in (ORIGINAL, PARAPHRASE, TRANSLATION)]
        attempts = 0
        while len(members) < target and attempts < 4 * target:
            attempts += 1
            edited = self.near_duplicate(rng.choice(agree_texts))
            if edited:
                add(edited, NEAR_DUPLICATE)
        facts = [members] if len(members) >= 2 else []
        if not facts:
            self.facts -= 1  # nothing kept: the id is free again (its texts stay used)
            return []
        if rng.random() < 0.2:
            swapped = swap_name(headline, rng)
            if swapped and self.take(swapped):
                sibling = self.facts
                self.facts += 1
                language = language_of(swapped)
                first = _Draft(
                    swapped, language, sibling, story, NAME_CHANGED, self.when(story), self.publisher(language)
                )
                group = [first]
                for _ in range(rng.choice([1, 1, 2])):
                    edited = self.near_duplicate(swapped)
                    if edited:
                        group.append(
                            _Draft(edited, language, sibling, story, NEAR_DUPLICATE, self.when(story),
                                   self.publisher(language))
                        )  # fmt: skip
                if len(group) >= 2:
                    facts.append(group)
                else:
                    self.facts -= 1
        return facts


def build_corpus(
    families: Sequence[Family],
    n_claims: int,
    *,
    seed: int = 0,
    newcomers: int = 50,
    articles: int = 20,
    article_share: float = 0.4,
    publishers: int = 300,
) -> Corpus:
    """An archive of exactly `n_claims` claims, plus `newcomers` held-out statements and
    `articles` small articles to ingest (see the module's docstring)."""
    if n_claims < 2:
        raise ValueError("a corpus needs at least 2 claims (a fact has 2 to 6)")
    span_days = max(2.0, min(SPAN_DAYS, n_claims / CLAIMS_PER_DAY))
    builder = _Builder(families, seed, publishers, span_days)
    rng = builder.rng
    stream = builder.stream()
    facts: list[list[_Draft]] = []
    total = 0
    while total < n_claims:
        fact = next(stream)
        if n_claims - total == 1:
            # A lone last claim would be no group: take one from a larger fact and add a pair, or
            # give the last fact (of 2: every fact has room up to 6) one more copy.
            donor = next((f for f in reversed(facts) if len(f) > 2), None)
            if donor is None:
                facts[-1].append(_edited_member(builder, facts[-1][0]))
                break
            donor.pop()
            total -= 1
        fact = fact[: n_claims - total]
        facts.append(fact)
        total += len(fact)
    drafts = [member for fact in facts for member in fact]
    claims, sources = _place(drafts, rng, article_share)

    # Newcomers: half restate an archived fact (an edit of one of its claims), half are new facts.
    held: list[_Draft] = []
    for _ in range(newcomers - newcomers // 2):
        member = rng.choice(drafts)
        edited = builder.near_duplicate(member.text)
        if edited:
            held.append(
                _Draft(edited, member.language, member.fact, member.story, NEAR_DUPLICATE,
                       builder.when(member.story), builder.publisher(member.language))
            )  # fmt: skip
    while len(held) < newcomers:
        held.append(next(stream)[0])
    newcomer_claims, newcomer_sources = [], []
    for draft in held[:newcomers]:
        newcomer_sources.append(_statement(draft, len(newcomer_sources)))
        newcomer_claims.append(_claim(draft, len(newcomer_sources) - 1, 0))

    # Articles to ingest: sentences with a figure (the rest are mostly not check-worthy, so
    # extraction would store nothing of them), half restating archived claims, half new.
    ingest: list[IngestArticle] = []
    spare: dict[str, list[str]] = defaultdict(list)
    with_figure = [d for d in drafts if has_figure(d.text)]
    while len(ingest) < articles:
        language = "ar" if rng.random() < 0.65 else "en"
        sentences = []
        for _ in range(rng.randint(2, 4)):
            if rng.random() < 0.5:
                known = [d for d in rng.sample(with_figure, min(20, len(with_figure))) if d.language == language]
                edited = builder.near_duplicate(known[0].text) if known else None
                if edited:
                    sentences.append(edited)
                    continue
            while not spare[language]:
                for member in next(stream):
                    if has_figure(member.text):
                        spare[member.language].append(member.text)
            sentences.append(spare[language].pop(0))
        text, _ = _article_text(sentences)
        published = START + timedelta(days=span_days + rng.uniform(0, 1))  # after the archive: today's news
        ingest.append(IngestArticle(text, tuple(sentences), language, builder.publisher(language), published))
    return Corpus(claims, sources, newcomer_claims, newcomer_sources, ingest, seed)


def _edited_member(builder: _Builder, member: _Draft, publisher: str | None = None) -> _Draft:
    text = builder.near_duplicate(member.text) or f"{member.text} ({builder.facts})"
    builder.take(text)
    return _Draft(
        text, member.language, member.fact, member.story, NEAR_DUPLICATE, builder.when(member.story),
        publisher or builder.publisher(member.language),
    )  # fmt: skip


def _claim(draft: _Draft, source: int, start: int) -> CorpusClaim:
    return CorpusClaim(draft.text, draft.language, draft.fact, draft.story, draft.role, source, start,
                       start + len(draft.text))  # fmt: skip


def _statement(draft: _Draft, index: int) -> CorpusSource:
    return CorpusSource(
        draft.text, STATEMENT, draft.publisher, draft.published_at, draft.language,
        f"https://{draft.publisher}.example/{index}",
    )  # fmt: skip


def _article_text(sentences: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Sentences joined into one text (each closed with a full stop when it has no end mark, so
    extraction splits them), and each sentence's span in it."""
    parts, spans, offset = [], [], 0
    for sentence in sentences:
        spans.append((offset, offset + len(sentence)))
        closed = sentence if _END.search(sentence) else sentence + "."
        parts.append(closed)
        offset += len(closed) + 1
    return " ".join(parts), spans


def _place(
    drafts: list[_Draft], rng: random.Random, article_share: float
) -> tuple[list[CorpusClaim], list[CorpusSource]]:
    """Put the claims in sources: about `article_share` of them in articles of 2-4 claims of one
    language and distinct facts, taken in date order within ARTICLE_WINDOW (a story's facts, or a
    digest of the day's news; one outlet, the earliest date), the rest one-claim statements;
    sources by date."""
    bundles: list[list[int]] = []
    pool: dict[str, list[int]] = defaultdict(list)
    for i, draft in enumerate(drafts):
        if rng.random() < article_share:
            pool[draft.language].append(i)
        else:
            bundles.append([i])
    for language in sorted(pool):
        pending = deque(sorted(pool[language], key=lambda i: (drafts[i].published_at, i)))
        while pending:
            size = rng.randint(2, 4)
            bundle, facts, skipped = [], set(), []
            while pending and len(bundle) < size:
                i = pending.popleft()
                if bundle and drafts[i].published_at - drafts[bundle[0]].published_at > ARTICLE_WINDOW:
                    pending.appendleft(i)  # too late for this article (it takes its first claim's date)
                    break
                if drafts[i].fact in facts:
                    skipped.append(i)  # one fact is stated once in an article: it waits for the next
                else:
                    bundle.append(i)
                    facts.add(drafts[i].fact)
            pending.extendleft(reversed(skipped))
            if len(bundle) < 2:
                bundles += [[i] for i in bundle]  # the last claims of one fact stand alone
            else:
                bundles.append(bundle)
    bundles.sort(key=lambda b: (min(drafts[i].published_at for i in b), b[0]))
    claims: list[CorpusClaim | None] = [None] * len(drafts)
    sources: list[CorpusSource] = []
    articles: set[str] = set()  # an article is stored once per text (its content hash), as ingest does
    for bundle in bundles:
        first = drafts[bundle[0]]
        text, spans = _article_text([drafts[i].text for i in bundle]) if len(bundle) > 1 else ("", [])
        if len(bundle) == 1 or text in articles:
            # A statement; or claims whose article would repeat an earlier one word for word (near-
            # duplicates bundled alike), which stand alone instead.
            for i in bundle:
                sources.append(_statement(drafts[i], len(sources)))
                claims[i] = _claim(drafts[i], len(sources) - 1, 0)
            continue
        articles.add(text)
        index = len(sources)
        published = min(drafts[i].published_at for i in bundle)
        sources.append(
            CorpusSource(text, ARTICLE, first.publisher, published, first.language,
                         f"https://{first.publisher}.example/{index}")
        )  # fmt: skip
        for i, (start, _) in zip(bundle, spans, strict=True):
            claims[i] = _claim(drafts[i], index, start)
    return [c for c in claims if c is not None], sources
