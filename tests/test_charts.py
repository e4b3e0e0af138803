"""The run artifact's charts: PNG images inline, Chinese labels drawn with the CJK font."""
import base64

import pytest

from flows import charts
from flows.summary import RunSummary


def test_the_summary_shows_districts_and_quarantine_stages_as_inline_images():
    if not charts.FONT_FILE.exists():
        pytest.skip(f"{charts.FONT_FILE} is missing (make installs fonts-wqy-microhei)")
    summary = RunSummary(source="inbox")
    summary.count_districts(["江津区", "江津区", "永川区", None])
    summary.quarantined = [("a.txt", "parse", "no article"), ("b.txt", "validate", "x"), ("c.txt", "parse", "y")]
    text = summary.markdown()
    images = [line for line in text.splitlines() if line.startswith("![")]
    assert [i.split("]")[0] for i in images] == ["![articles added per district", "![quarantined files by stage"]
    png = base64.b64decode(images[0].split("base64,")[1].rstrip(")"))
    assert png.startswith(b"\x89PNG")
    assert summary.articles_by_district == {"江津区": 2, "永川区": 1, "（无区县）": 1}


def test_chinese_labels_use_the_named_font(monkeypatch):
    if not charts.FONT_FILE.exists():
        pytest.skip(f"{charts.FONT_FILE} is missing (make installs fonts-wqy-microhei)")
    charts._figure((1, 1))
    import matplotlib
    from matplotlib import font_manager

    family = matplotlib.rcParams["font.family"][0]
    assert font_manager.findfont(family, fallback_to_default=False) == str(charts.FONT_FILE)


def test_a_run_with_nothing_to_chart_has_no_image():
    assert charts.run_charts({}, []) == []
    assert "![" not in RunSummary(source="inbox").markdown()


def test_without_the_font_the_summary_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(charts, "FONT_FILE", tmp_path / "none.ttc")
    summary = RunSummary(source="inbox")
    summary.count_districts(["江津区"])
    assert "(no charts: " in summary.markdown()
