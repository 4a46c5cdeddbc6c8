"""A syndicated copy or a second article of one publisher does not confirm itself."""

from newsclaims.matching.independence import SourceFacts, voice_of, votes

STORY = "قال متحدث باسم واتساب إن محاولة عزل أكثر من 100 مليون مستخدم عن وسائل اتصال خاصة وآمنة تمثل خطوة إلى الوراء"


def test_a_word_for_word_copy_from_another_site_does_not_count():
    result = votes([SourceFacts(1, "A", STORY), SourceFacts(2, "B", STORY + " المصدر: وكالات")])
    assert [v.counted for v in result] == [True, False]
    assert result[1].same_as == 1 and "near-identical" in result[1].reason


def test_two_articles_of_one_publisher_are_one_voice():
    result = votes([SourceFacts(1, "Reuters", "one story"), SourceFacts(2, "reuters ", "another story entirely")])
    assert voice_of(result) == {1: 1, 2: 1}


def test_different_publishers_with_different_texts_are_independent():
    result = votes([SourceFacts(1, "A", STORY), SourceFacts(2, "", "WhatsApp says more than 100 million users")])
    assert all(v.counted for v in result)
