"""The subject of a claim compares equal across Arabic and Latin spellings."""

from newsclaims.text.entities import entity_key, is_name, mentioned_entities, skeleton


def test_arabic_and_english_spellings_of_whatsapp_share_a_key():
    assert entity_key("واتساب") == entity_key("WhatsApp") == "whatsapp"


def test_every_arabic_spelling_of_telegram_is_telegram():
    assert {entity_key(s) for s in ["تيليجرام", "تلغرام", "تليغرام", "Telegram"]} == {"telegram"}


def test_a_generic_head_noun_is_skipped():
    assert entity_key("تطبيق ماكس") == "max"
    assert entity_key("the Max app") == "max"


def test_arabic_clitics_do_not_hide_a_name():
    assert mentioned_entities("وواتساب وتيليغرام") == ["whatsapp", "telegram"]


def test_unknown_names_match_across_scripts_by_consonant_skeleton():
    assert skeleton("بارلر") == skeleton("Parler")
    assert entity_key("بارلر") == entity_key("Parler")


def test_nothing_is_no_subject():
    assert entity_key("") is None and entity_key(None) is None


def test_a_known_name_is_a_name_with_or_without_clitics_and_a_verb_is_not():
    assert is_name("وفيسبوك") and is_name("لموسكو") and is_name("WhatsApp")
    assert not is_name("حذفت") and not is_name("app")
