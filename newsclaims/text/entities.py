"""Cross-script keys for the thing a claim is about, so "واتساب" and "WhatsApp" compare equal.

Two layers: a small alias table for names whose spellings differ beyond transliteration, and a
consonant skeleton that maps Arabic and Latin spellings of one name to one key
("تيليجرام", "تلغرام", "Telegram" -> "tlgrm"). Pure Python; no Django.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

# Canonical key -> spellings (compared after normalisation). Only names the skeleton gets wrong
# or that have several unrelated spellings need to be here.
ALIASES: dict[str, tuple[str, ...]] = {
    # "Meta-run messenger" is how English reports refer to WhatsApp, not to Meta itself.
    "whatsapp": ("واتساب", "واتس اب", "واتس آب", "whatsapp", "whats app", "meta-run messenger"),
    "telegram": ("تيليجرام", "تلغرام", "تليغرام", "تليجرام", "تيليغرام", "telegram"),
    "max": ("ماكس", "max", "max messenger"),
    "meta": ("ميتا", "meta"),
    "facebook": ("فيسبوك", "فيس بوك", "facebook"),
    "instagram": ("إنستجرام", "انستجرام", "انستغرام", "إنستغرام", "instagram"),
    "signal": ("سيجنال", "signal"),
    "vk": ("vk", "vkontakte", "فكونتاكتي", "فكونتاكت"),
    "kremlin": ("الكرملين", "كرملين", "kremlin"),
    "russia": ("روسيا", "russia", "russian", "russians", "موسكو", "moscow", "الروسيه", "روسي", "الروسي"),
    "usa": ("الولايات المتحده", "امريكا", "الامريكيه", "united states", "us", "u.s.", "america", "american"),
    "ukraine": ("اوكرانيا", "لاوكرانيا", "ukraine"),
    "iran": ("ايران", "iran"),
    "france": ("فرنسا", "france"),
}

# Places locate a claim ("100 million users in Russia") rather than say whose figure it is, so
# they are weak subjects: matching looks past them for the actor or product.
PLACES = frozenset({"russia", "usa", "ukraine", "iran", "france"})

# Generic head nouns that precede a name ("تطبيق ماكس", "the Max app") and say nothing about which.
GENERIC_NOUNS = {
    "تطبيق",
    "شركة",
    "منصة",
    "خدمة",
    "موقع",
    "الشركة",
    "التطبيق",
    "المنصة",
    "الخدمة",
    "app",
    "application",
    "company",
    "platform",
    "service",
    "messenger",
    "the",
    "a",
    "an",
    "its",
}

_AR_PREFIXES = ("وال", "بال", "لل", "ال", "و", "ب", "ل")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})

# Arabic letters -> Latin consonant classes; vowels-as-letters (ا و ي) and gutturals vanish,
# as they do in the Latin spelling's skeleton below.
_AR_SKELETON = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ج": "g",
    "د": "d",
    "ذ": "d",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "غ": "g",
    "ف": "f",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "پ": "b",
    "چ": "g",
    "ڤ": "f",
    "گ": "g",
}
_LATIN_SKELETON = {"p": "b", "v": "f", "j": "g", "c": "k", "q": "k", "x": "ks", "th": "t", "w": "", "h": ""}


def normalise(text: str) -> str:
    """Lower-case, strip Arabic diacritics and tatweel, unify alef/ya/ta-marbuta forms."""
    text = unicodedata.normalize("NFKC", text)
    return _DIACRITICS.sub("", text).translate(_ALEF).lower().strip()


_ALIAS_INDEX = {normalise(spelling): key for key, spellings in ALIASES.items() for spelling in spellings}


@lru_cache(maxsize=65536)  # per word: matching reads the skeletons of every clause's names
def skeleton(word: str) -> str:
    """Consonant skeleton shared by Arabic and Latin spellings of one name."""
    word = normalise(word)
    if re.search("[\u0600-\u06ff]", word):
        out = [_AR_SKELETON.get(ch, "") for ch in word]
    else:
        word = re.sub("[^a-z]", "", word)
        word = word.replace("th", "t")
        out = [_LATIN_SKELETON.get(ch, "" if ch in "aeiouy" else ch) for ch in word]
    collapsed: list[str] = []
    for part in "".join(out):
        if not collapsed or collapsed[-1] != part:
            collapsed.append(part)
    return "".join(collapsed)


@lru_cache(maxsize=65536)  # per token: every clause's words are looked up in the alias table
def _strip_prefix(token: str) -> tuple[str, ...]:
    """A token and its forms without Arabic clitics (و، ب، ل، ال), longest first."""
    forms = [token]
    for prefix in _AR_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            forms.append(token[len(prefix) :])
    return tuple(forms)


def entity_key(name: str | None) -> str | None:
    """The canonical key of a subject string, or None when it names nothing recognisable."""
    if not name:
        return None
    norm = normalise(name)
    if norm in _ALIAS_INDEX:
        return _ALIAS_INDEX[norm]
    tokens = [t for t in re.findall(r"[\w\-]+", norm) if t not in GENERIC_NOUNS]
    # Two-word names first ("واتس اب"), then single words with and without clitics.
    for first, second in pairwise(tokens):
        if f"{first} {second}" in _ALIAS_INDEX:
            return _ALIAS_INDEX[f"{first} {second}"]
    for token in tokens:
        for form in _strip_prefix(token):
            if form in _ALIAS_INDEX:
                return _ALIAS_INDEX[form]
    if not tokens:
        return None
    key = skeleton(tokens[0])
    return f"~{key}" if len(key) >= 3 else None


def is_name(word: str) -> bool:
    """Whether one word, with or without Arabic clitics, spells a name of the alias table
    ("وفيسبوك", "موسكو", "WhatsApp")."""
    return any(form in _ALIAS_INDEX for form in _strip_prefix(normalise(word)))


def mentioned_entities(text: str) -> list[str]:
    """Keys of the alias-table entities mentioned anywhere in `text`, in order of appearance."""
    found: list[tuple[int, str]] = []
    norm = normalise(text)
    for token_match in re.finditer(r"[\w\-]+", norm):
        for form in _strip_prefix(token_match.group()):
            key = _ALIAS_INDEX.get(form)
            if key:
                found.append((token_match.start(), key))
                break
    seen: list[str] = []
    for _, key in sorted(found):
        if key not in seen:
            seen.append(key)
    return seen


# Countries and their demonyms, English and Arabic (general knowledge, not any story's answers).
# Whose figure a count is ("Egyptian pilgrims", "في تركيا") separates facts that read alike.
COUNTRIES: dict[str, str] = {
    "egypt": "egypt egyptian egyptians مصر مصري مصريا مصرية مصريين مصريون",
    "saudi": "saudi saudis السعودية سعودي سعوديين",
    "jordan": "jordan jordanian jordanians الأردن أردني أردنيا أردنيين الأردنية الأردني",
    "iran": "iran iranian iranians إيران إيراني إيرانيا إيرانيين الإيراني الإيرانية",
    "iraq": "iraq iraqi iraqis العراق عراقي عراقيا عراقيين العراقي العراقية",
    "indonesia": "indonesia indonesian indonesians إندونيسيا إندونيسي إندونيسيين الإندونيسية",
    "india": "india indian indians الهند هندي هنديا هنود الهندية الهندي",
    "pakistan": "pakistan pakistani pakistanis باكستان باكستاني باكستانيا باكستانيين الباكستانية",
    "tunisia": "tunisia tunisian tunisians تونس تونسي تونسيا تونسيين التونسية",
    "malaysia": "malaysia malaysian malaysians ماليزيا ماليزي ماليزيين",
    "senegal": "senegal senegalese السنغال سنغالي سنغاليين",
    "sudan": "sudan sudanese السودان سوداني سودانيا سودانيين",
    "turkey": "turkey turkish turks türkiye تركيا تركي التركي التركية أتراك",
    "syria": "syria syrian syrians سوريا سورية سوري السوري السورية سوريين",
    "libya": "libya libyan libyans ليبيا ليبي الليبي الليبية ليبيين",
    "lebanon": "lebanon lebanese لبنان لبناني اللبناني اللبنانية",
    "palestine": "palestine palestinian palestinians فلسطين فلسطيني الفلسطيني الفلسطينية فلسطينيين",
    "israel": "israel israeli israelis إسرائيل إسرائيلي الإسرائيلي الإسرائيلية",
    "yemen": "yemen yemeni yemenis اليمن يمني اليمني اليمنية",
    "morocco": "morocco moroccan moroccans المغرب مغربي المغربي المغربية",
    "algeria": "algeria algerian algerians الجزائر جزائري الجزائري الجزائرية",
    "kuwait": "kuwait kuwaiti الكويت كويتي الكويتي الكويتية",
    "qatar": "qatar qatari قطر قطري القطري القطرية",
    "uae": "emirates emirati الإمارات إماراتي الإماراتي",
    "bahrain": "bahrain bahraini البحرين بحريني",
    "oman": "oman omani عمان عماني العماني العمانية",
    "afghanistan": "afghanistan afghan afghans أفغانستان أفغاني",
    "bangladesh": "bangladesh bangladeshi بنغلاديش بنغلاديشي",
    "nigeria": "nigeria nigerian nigerians نيجيريا نيجيري",
    "russia": "russia russian russians روسيا روسي الروسي الروسية",
    "ukraine": "ukraine ukrainian ukrainians أوكرانيا أوكراني",
    "usa": "america american americans usa u.s. أمريكا أمريكي الأمريكية الأمريكي",
    "uk": "britain british uk بريطانيا بريطاني البريطاني البريطانية",
    "france": "france french فرنسا فرنسي الفرنسي الفرنسية",
    "germany": "germany german germans ألمانيا ألماني الألماني الألمانية",
    "china": "china chinese الصين صيني الصيني الصينية",
    "greece": "greece greek اليونان يوناني",
    "kurdistan": "kurdistan kurdish كردستان كوردستان كردي الكردي",
}
_COUNTRY_OF = {normalise(word): key for key, words in COUNTRIES.items() for word in words.split()}


@lru_cache(maxsize=65536)
def countries_of(text: str) -> frozenset[str]:
    """Keys of the countries a text names, by name or demonym ("Egyptians", "مصريًا", "في تركيا")."""
    found = set()
    for token in re.findall(r"[\w.-]+", normalise(text)):
        token = token.strip(".-")
        for form in _strip_prefix(token):
            # "مصريا" / "مصرياً": the accusative alef of a demonym
            key = _COUNTRY_OF.get(form) or (_COUNTRY_OF.get(form[:-1]) if form.endswith("ا") else None)
            if key:
                found.add(key)
                break
    return frozenset(found)
