"""Whole pages: text that is not a newspaper page is refused at the parse stage with its reason; a page of
another section loads with its section, banner and headlines kept apart."""
import pytest

from transforms.errors import PageParseError
from transforms.page import parse_page

SHA = "b" * 64
STORY = ["本报讯（记者 王明）近日，万州区政协召开专题协商会，围绕乡村振兴建言献", "策，委员们提出意见建议 36 条。"]


def page(*lines: str) -> str:
    return "\n\n".join(lines) + "\n\n"


NOT_PAGES = {
    "system file": ("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
                    "a system file"),
    "html": ("<!DOCTYPE html><html><head><title>重庆政协报</title></head><body><p>" + "".join(STORY) + "</p></body></html>",
             "HTML markup"),
    "pdf syntax": ("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + "".join(STORY), "PDF syntax"),
    "one enormous line": ("本报讯 近日，万州区政协召开专题协商会。" * 75_000, "a line of 1,500,000 characters"),
    "latin text": ("The committee met on Monday to discuss the plans.\n" * 20, "Chinese text"),
    "prose with no article structure": ("春天来了，山上的花开了，河里的水涨了，孩子们在田野里奔跑。\n" * 10,
                                        "no article structure"),
}


@pytest.mark.parametrize("what", NOT_PAGES)
def test_text_that_is_not_a_page_is_refused_at_parse_with_its_reason(what):
    text, reason = NOT_PAGES[what]
    with pytest.raises(PageParseError) as caught:
        parse_page(text, "x.txt", SHA)
    assert caught.value.stage == "parse" and reason in caught.value.reason, caught.value.reason


def test_a_page_of_another_section_loads_with_its_section_banner_and_headlines():
    rows = parse_page(page(" 要 闻", "学习贯彻全会精神", "万州：协商助推乡村振兴", *STORY), "p.txt", SHA)
    (issue,) = rows.issues
    assert (issue["section"], issue["theme"]) == ("要闻", "学习贯彻全会精神")
    (article,) = rows.articles
    assert article["headline"] == "万州：协商助推乡村振兴" and "学习贯彻" not in (article["kicker"] or "")
