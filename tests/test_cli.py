import re
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from cppcc.cli import main
from cppcc.generate import generate_page
from transforms.page import parse_page
from transforms.text import CJK

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_command_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"cppcc {name}" in text, name
        assert command.help, name


def test_generate_is_deterministic_for_a_seed(tmp_path):
    runner = CliRunner()
    for out in ("a", "b"):
        result = runner.invoke(main, ["generate", "--pages", "3", "--seed", "5", "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    a = sorted((tmp_path / "a").iterdir())
    b = sorted((tmp_path / "b").iterdir())
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b] and len(a) == 3


def test_generated_pages_have_every_layout_variant():
    """Across a few pages the generator writes every layout the parser must read."""
    pages = [generate_page(seed) for seed in range(40)]
    text = "".join(page.text for page in pages)
    for cue in ["□ 本报记者", "\n通讯员 ", "本报讯（", "本报讯 ", "——", "● ", " 摄\n", " 摄影报道\n", "区县快递",
                "图片新闻", "见实效\n"]:
        assert cue in text, cue
    assert re.search(f"（[{CJK}] [{CJK}]）", text), "a letter-spaced signature"
    assert re.search(f"\n(?:[{CJK}，。] ){{6,}}", text), "a justified, letter-spaced line"
    assert re.search(r"\d\n\n[\d.]", text), "a number broken across lines"
    assert re.search(r"[两三四五六七八九][十百千]?余?(?:家|名|个|项|条|件|场)", text), "a Chinese-numeral quantity"
    widths = {len(line) for line in text.split("\n") if "，" in line}
    assert min(widths) <= 18 and max(widths) >= 26
    assert set().union(*(page.layouts for page in pages)) == {
        "insert, headline before", "insert, headline after", "headline after, then the next headline before",
        "subject before the number", "numerals that count nothing", "group proposer", "document in 《》",
        "qualifier after the counted noun", "insert, headline after, story resumes without a subhead",
        "kicker ending with ——"}
    assert {page.year is None for page in pages} == {True, False}, "pages with and without a stated year"


ROUND_TRIP_PAGES = 250


def test_the_parser_recovers_what_the_generator_wrote():
    """Round trip over 250 generated pages: every article with its kind, district, headline and kicker,
    bylines, subheads, opening words and event date; every metric with value, unit, qualifier and subject;
    every proposal with its proposer, session and flags; the issue date the text gives."""
    for seed in range(ROUND_TRIP_PAGES):
        page = generate_page(seed)
        rows = parse_page(page.text, f"gen{seed}.txt", f"{seed:064x}")
        assert len(rows.articles) == len(page.articles), seed
        for art, row in zip(page.articles, rows.articles):
            got = (row["kind"], row["district_name"], row["headline"], row["kicker"], row["subheads"],
                   row["reporters"], row["correspondents"], row["authors"], row["photographers"])
            want = (art.kind, art.district, art.headline, art.kicker, art.subheads,
                    art.reporters, art.correspondents, art.authors, art.photographers)
            assert got == want, (seed, art.headline)
            assert row["body"].startswith(art.body_start), (seed, art.headline)
            event = date(page.year, *art.event_day) if page.year and art.event_day else None
            assert row["event_date"] == event, (seed, art.headline)
        got = sorted((round(m["value"], 2), m["unit"], m["qualifier"] or "", m["subject"]) for m in rows.metrics)
        want = sorted((round(v, 2), u, q or "", s) for a in page.articles for v, u, q, s in a.metrics)
        assert got == want, seed
        got = sorted((p["title"], p["kind"], p["proposer"], p["session"], p["is_collective"], p["is_key"])
                     for p in rows.proposals)
        want = sorted((p.title, "提案", p.proposer, p.session, p.is_collective, p.is_key)
                      for a in page.articles for p in a.proposals)
        assert got == want, seed
        (issue,) = rows.issues
        assert (issue["issue_date"], issue["issue_date_source"]) == (
            page.issue_date, "text" if page.issue_date else None), seed
