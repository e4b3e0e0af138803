"""rjieba tokenizes; jieba is the reference: same tokens, and keywords equal to jieba's own extract_tags."""
import re

import jieba.analyse
import pytest

from cppcc.generate import generate_page
from transforms.text import page_lines
from transforms.tokens import keywords, reference_tokenizer, tokenize


def _paragraphs(text: str) -> list[str]:
    return [line for line in page_lines(text) if line.strip()]


def _texts(shared) -> list[str]:
    pages = [generate_page(seed).text for seed in range(30)]
    pages += [p.read_text(encoding="utf-8") for p in sorted((shared / "samples" / "inbox").glob("*.txt"))]
    return [para for page in pages for para in _paragraphs(page)]


def test_tokens_are_identical_to_jieba(shared):
    reference = reference_tokenizer()
    texts = _texts(shared)
    assert len(texts) > 500
    differing = [t for t in texts if tokenize(t) != reference.lcut(t)]
    assert differing == []


def test_district_names_are_single_tokens():
    assert "铜梁区" in tokenize("重庆市铜梁区政协委员")
    assert "铜梁区" in reference_tokenizer().lcut("重庆市铜梁区政协委员")


@pytest.mark.parametrize("seed", range(5))
def test_keywords_match_jiebas_extract_tags(seed):
    body = "".join(_paragraphs(generate_page(seed).text))
    reference_tokenizer()   # jieba.analyse cuts with jieba.dt: give it the same added words
    expected = [t for t in jieba.analyse.extract_tags(body, topK=30) if not re.fullmatch(r"[\d.,%+\-]+", t)][:8]
    assert set(keywords(tokenize(body))) == set(expected)


def test_keywords_hold_no_bare_numbers():
    body = "全区2024年收到提案2024件，立案率97.8%，提案办理2024年全部办结，提案质量明显提升。"
    got = keywords(tokenize(body))
    assert "提案" in got and not [k for k in got if re.fullmatch(r"[\d.%]+", k)]


@pytest.mark.parametrize("body", [
    "会议部署了一二三项重点，十五个镇街参与，提案一二三四件件落实，一二三再次强调。",
    "共投入３．５万元，完成率30％，编号①②③，Ⅳ类水质，１２３项提案，一二三，①②③，１２３。",
    "2023—2025年规划，2023-2025年，第1名，1,234万元，第1名，2023-2025年。",
], ids=["chinese-numerals", "full-width-and-circled", "ranges-and-separators"])
def test_keywords_hold_no_number_of_any_script(body):
    from transforms.text import normalize_text

    got = keywords(tokenize(normalize_text(body)), k=30)
    assert not [k for k in got if re.fullmatch(r"[\d.,%％+\-—－～~①-⑳ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ〇零一二两三四五六七八九十百千万亿]+", k)], got
