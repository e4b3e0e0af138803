"""`cppcc explore` without a browser: what its pages query (on the hand-made warehouse of test_views), the
highlighting, the CSV, refusals, and that it binds 127.0.0.1 with Streamlit's outbound features off. The pages
themselves are opened in headless Chromium by `make ui-check` (cppcc/ui_check.py)."""
import html

import pytest

from cppcc.explore import STREAMLIT_OPTIONS, data, streamlit_command
from test_views import I1, I2, TITLE, hand_made  # noqa: F401 — the fixture
from warehouse import sandbox


def test_the_pages_queries_answer_from_the_views(hand_made):  # noqa: F811
    with sandbox.reader(hand_made.lake) as con:
        assert data.totals(con)["articles"] == 4
        assert data.articles_per_district(con).rows() == [("江津区", 3), ("永川区", 1)]
        total, hits = data.search_articles(con, "古镇 保护")
        assert total == 2 and hits["article_id"].to_list() == [f"{I2}-02", f"{I1}-02"]
        found = data.proposals(con, district="江津区", status="办结")
        assert found["title"].to_list() == [TITLE] and found["article_ids"][0].to_list() == [f"{I1}-01", f"{I2}-01"]
        assert data.proposals(con, year=1999).height == 0
        total, rows = data.metrics(con, unit="条")
        assert total == 1 and rows["sentence"][0] == "共收集意见40余条。"
        assert data.metrics(con, subject="养老")[0] == 1
        a = data.article(con, f"{I1}-01")
        assert a.fields["headline"] == "江津：聚焦社区养老" and len(a.metrics) == 2 and a.proposals[0]["title"] == TITLE
        assert data.article(con, "no-such-id") is None


def test_a_refused_search_is_a_message_not_an_error(hand_made):  # noqa: F811
    with sandbox.reader(hand_made.lake) as con:
        for q in ["", "“”%%", "'; DROP " * 20]:
            with pytest.raises(data.SearchRefused) as caught:
                data.search_articles(con, q)
            assert "\n" not in str(caught.value) and str(caught.value)


def test_metrics_are_marked_where_they_stand_in_the_body():
    body = "全区投入资金300万元。\n新建站点12个<script>。"
    spans = [{"span_start": 6, "span_end": 11, "value": 3e6, "unit": "元", "subject": "资金"},
             {"span_start": 17, "span_end": 20, "value": 12.0, "unit": "个", "subject": None},
             {"span_start": 7, "span_end": 9, "value": 1.0, "unit": "x", "subject": None}]          # overlaps: skipped
    out = data.highlight_spans(body, spans)
    assert out == ('<p>全区投入资金<mark title="3,000,000 元 资金">300万元</mark>。</p>'
                   '<p>新建站点<mark title="12 个">12个</mark>' + html.escape("<script>") + "。</p>")
    assert data.highlight_terms("古镇保护与古镇<b>", "古镇 <b>") == "<mark>古镇</mark>保护与<mark>古镇</mark>&lt;<mark>b</mark>&gt;"


def test_the_csv_opens_in_spreadsheets_with_its_chinese(hand_made):  # noqa: F811
    with sandbox.reader(hand_made.lake) as con:
        csv = data.proposals_csv(data.proposals(con))
    assert csv.startswith("\ufeff".encode()) and TITLE in csv.decode("utf-8-sig").splitlines()[1]


def test_it_listens_on_this_machine_only_unless_told_and_sends_nothing_out():
    command = streamlit_command({}, "127.0.0.1", 8501)
    assert "--server.address=127.0.0.1" in command and "--browser.gatherUsageStats=false" in command
    assert STREAMLIT_OPTIONS["server.headless"] == "true"


def test_explore_without_a_warehouse_is_a_one_line_error(tmp_path):
    from click.testing import CliRunner

    from cppcc.cli import main

    result = CliRunner().invoke(main, ["explore", "--warehouse", str(tmp_path / "none.ducklake")])
    assert result.exit_code == 1 and "no warehouse at" in result.output and "Traceback" not in result.output
