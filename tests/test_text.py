import pytest

from transforms.errors import PageParseError
from transforms.text import (MAX_SENTENCE_CHARS, compact, decode_page, join_lines, line_width, normalize_text, page_lines,
                             sentence_span, tidy_title)

TEXT = "本报讯 近日，南川区政协组织调研。"


@pytest.mark.parametrize("raw", [
    pytest.param(TEXT.encode("utf-8"), id="utf8"),
    pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), id="utf8-bom"),
    pytest.param(TEXT.encode("gb18030"), id="gb18030"),
])
def test_decode_page_reads_each_encoding(raw):
    assert decode_page(raw) == TEXT


@pytest.mark.parametrize("raw, why", [
    (b"", "empty"), (b"  \n\n", "empty"), (b"\x00\x01\x02binary", "binary"), (b"\xff\xfe\xfa\xfb" * 10, "not UTF-8"),
])
def test_decode_page_rejects_bad_input(raw, why):
    with pytest.raises(PageParseError, match=why):
        decode_page(raw)


def test_normalize_text_folds_full_width_digits_and_crlf_but_keeps_chinese_punctuation():
    assert normalize_text("１２０家企业……（注）\r\n下一行") == "120家企业……（注）\n下一行"


def test_page_lines_drops_the_blank_line_after_every_line():
    assert page_lines("第一行\n\n第二行\n\n\n第三行\n") == ["第一行", "第二行", "第三行"]


def test_compact_removes_layout_spaces_but_keeps_spaces_between_latin_words():
    assert compact("盯 着 中 药 材 ，不 能") == "盯着中药材，不能"
    assert compact("今年 5 月以来 124 家") == "今年5月以来124家"
    assert compact("Windows 11 系统") == "Windows 11系统"


def test_join_lines_rejoins_words_and_numbers_split_by_a_line_break():
    assert join_lines(["累计开展手术 2000", "例以上，引进 7 万", "余名"]) == "累计开展手术2000例以上，引进7万余名"


def test_tidy_title_keeps_a_word_space_but_drops_letter_spacing():
    assert tidy_title("脚下访实情 精准开“良方”") == "脚下访实情 精准开“良方”"
    assert tidy_title("荣 誉 背 后 的 思 考") == "荣誉背后的思考"


def test_line_width_counts_digits_as_half_cells():
    assert line_width("今年5月") == 3.5


def test_a_thousands_separator_stays_with_its_number_and_other_commas_become_chinese():
    assert normalize_text("投入资金1,234万元,惠及12,345,678人,共3,45户") == "投入资金1,234万元，惠及12,345,678人，共3，45户"


def test_a_sentence_reaches_at_most_a_bounded_window_either_side():
    text = "前言。" + "字" * 1000 + "36人" + "字" * 1000
    start, end = sentence_span(text, 1003, 1006)
    assert (start, end) == (1003 - MAX_SENTENCE_CHARS, 1006 + MAX_SENTENCE_CHARS)
    assert sentence_span("前言。委员们36人参加。后记", 6, 9) == (3, 12)


def test_a_latin_word_cut_by_the_line_end_is_one_word_again():
    assert join_lines(["养殖户用手机A", "PP就能查看数据"]) == "养殖户用手机APP就能查看数据"
    assert join_lines(["运行 Windows", "Server 系统"]) == "运行Windows Server系统"
