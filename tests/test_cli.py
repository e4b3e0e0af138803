import re
from pathlib import Path

from click.testing import CliRunner

from cppcc.cli import main
from cppcc.generate import generate_page
from transforms.page import parse_page

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


def test_generated_pages_have_the_layout_cues():
    text = generate_page(3).text
    assert "\n\n" in text and "□ 本报记者" in text and "本报讯" in text and re.search(r" 摄\n", text)
    assert re.search(r"（[\u4e00-\u9fff]{2,3}）", text)


def test_parser_recovers_generated_pages():
    """Round trip: every generated article comes back with its kind, district and metrics."""
    for seed in range(20):
        page = generate_page(seed)
        frames = parse_page(page.text, f"gen{seed}.txt", f"{seed:064x}")
        rows = frames.articles
        assert len(rows) == len(page.articles), seed
        for art, row in zip(page.articles, rows):
            assert row["kind"] == art.kind and row["district_name"] == art.district, (seed, row["headline"])
            if art.headline:
                assert art.headline in (row["headline"] or "") + "|" + (row["kicker"] or ""), seed
        got = sorted((m["value"], m["unit"]) for m in frames.metrics)
        want = sorted((v, u) for a in page.articles for v, u, _ in a.metrics)
        assert got == want, seed
