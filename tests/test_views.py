"""The views and search macros stored in the warehouse (warehouse/views.py): their rows on a small warehouse
written by hand, search ranking on the development pages (against a BM25 computed here independently),
refusals, and hostile queries that leave the warehouse unchanged."""
import math
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from conftest import SHARED, make_settings
from flows.frames import build_frames
from flows.parsed import parse_chunk
from flows.sources import plan_inbox
from warehouse import connection, load, read, sandbox, views
from warehouse.contract import TABLES, polars_schema
from warehouse.errors import QueryError

DEV_INBOX = SHARED / "dev" / "inbox"


def frame(table: str, rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{c: r.get(c) for c in TABLES[table].column_names} for r in rows],
                        schema=polars_schema(table), orient="row")


def article(issue: str, seq: int, district: tuple[str, str], body: str, **extra) -> dict:
    return {"article_id": f"{issue}-{seq:02d}", "issue_id": issue, "seq": seq, "kind": "news", "body": body,
            "char_count": len(body), "district_code": district[0], "district_name": district[1], **extra}


JIANGJIN, YONGCHUAN = ("500116", "江津区"), ("500118", "永川区")
TITLE = "关于加快发展社区养老服务的提案"
I1, I2 = "a" * 16, "b" * 16


def hand_made_tables() -> dict[str, pl.DataFrame]:
    """Two pages: 江津 in March (two articles) and April, 永川 in April; one proposal named twice."""
    issues = [{"issue_id": I1, "source_name": "2025-03-05.txt", "sha256": "a" * 64, "issue_date": date(2025, 3, 5),
               "article_count": 2, "parser_version": "t", "loaded_at": datetime(2025, 3, 6)},
              {"issue_id": I2, "source_name": "2025-04-10.txt", "sha256": "b" * 64, "issue_date": date(2025, 4, 10),
               "article_count": 2, "parser_version": "t", "loaded_at": datetime(2025, 4, 11)}]
    articles = [
        article(I1, 1, JIANGJIN, f"江津区政协委员提交《{TITLE}》，建议新建社区养老服务站12个。全区投入资金300万元。",
                headline="江津：聚焦社区养老", reporters=["李明"], correspondents=["王芳"]),
        article(I1, 2, JIANGJIN, "委员们走进古镇开展视察，围绕古镇风貌保护提出意见。", headline="古镇视察",
                authors=["赵雪"]),
        article(I2, 1, JIANGJIN, f"《{TITLE}》已办结，新建站点全部投用。", headline="养老提案办结",
                reporters=["李明", "李明"]),
        article(I2, 2, YONGCHUAN, "永川区政协开展古镇保护专题协商，共收集意见40余条。", headline="永川：古镇保护协商",
                reporters=["李明"]),
    ]
    proposals = [
        {"proposal_id": f"{I1}-01-p01", "issue_id": I1, "article_id": f"{I1}-01", "title": TITLE, "kind": "提案",
         "proposer": "张三", "year": 2025, "is_collective": False, "is_key": True, "district_code": JIANGJIN[0]},
        {"proposal_id": f"{I2}-01-p01", "issue_id": I2, "article_id": f"{I2}-01", "title": TITLE, "kind": "提案",
         "status": "办结", "is_collective": False, "is_key": False, "district_code": JIANGJIN[0]},
    ]
    metric = {"unit": "个", "district_code": JIANGJIN[0]}
    metrics = [
        {**metric, "metric_id": f"{I1}-01-m001", "issue_id": I1, "article_id": f"{I1}-01", "surface": "12个",
         "value": 12.0, "subject": "社区养老服务站", "sentence": "建议新建社区养老服务站12个。", "span_start": 0, "span_end": 3},
        {**metric, "metric_id": f"{I1}-01-m002", "issue_id": I1, "article_id": f"{I1}-01", "surface": "300万元",
         "value": 3e6, "unit": "元", "subject": "资金", "sentence": "全区投入资金300万元。", "span_start": 4, "span_end": 9},
        {"metric_id": f"{I2}-02-m001", "issue_id": I2, "article_id": f"{I2}-02", "surface": "40余条", "value": 40.0,
         "unit": "条", "qualifier": "余", "subject": "意见", "sentence": "共收集意见40余条。", "span_start": 1,
         "span_end": 5, "district_code": YONGCHUAN[0]},
    ]
    return {"issues": frame("issues", issues), "articles": frame("articles", articles),
            "proposals": frame("proposals", proposals), "metrics": frame("metrics", metrics)}


@pytest.fixture
def hand_made(tmp_path):
    settings = make_settings(tmp_path)
    tables = hand_made_tables()
    raw = frame("pages", [{"issue_id": i, "source_name": n, "raw": b"x"} for i, n in
                          zip(tables["issues"]["issue_id"], tables["issues"]["source_name"])])
    with connection.writer(settings.lake) as con:
        load.commit_batch(con, tables, raw, load.quarantine_frame([], "t"), "t")
    return settings


def rows(settings_or_con, sql: str, params=()) -> list[dict]:
    """Rows as dicts, from a reader connection (or a new one for these settings)."""
    if not hasattr(settings_or_con, "execute"):
        with sandbox.reader(settings_or_con.lake) as con:
            return rows(con, sql, params)
    cur = settings_or_con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_district_months_counts_articles_proposals_and_metrics(hand_made):
    got = rows(hand_made, "SELECT district_name, month, articles, proposals, metrics FROM district_months "
                          "ORDER BY month, district_name")
    assert [tuple(r.values()) for r in got] == [
        ("江津区", date(2025, 3, 1), 2, 1, 2),
        ("永川区", date(2025, 4, 1), 1, 0, 1),
        ("江津区", date(2025, 4, 1), 1, 1, 0)]


def test_the_proposal_tracker_follows_one_title_across_pages(hand_made):
    [p] = rows(hand_made, "SELECT * FROM proposal_tracker")
    assert (p["title"], p["district_name"], p["kind"], p["proposer"], p["status"]) == (TITLE, "江津区", "提案", "张三", "办结")
    assert (p["first_issue"], p["last_issue"], p["mentions"], p["is_key"], p["year"]) == \
           (date(2025, 3, 5), date(2025, 4, 10), 2, True, 2025)
    assert [(a["issue_date"], a["article_id"], a["headline"]) for a in p["articles"]] == [
        (date(2025, 3, 5), f"{I1}-01", "江津：聚焦社区养老"), (date(2025, 4, 10), f"{I2}-01", "养老提案办结")]


def test_metric_facts_carry_their_sentence_headline_district_and_date(hand_made):
    got = rows(hand_made, "SELECT * FROM metric_facts ORDER BY metric_id")
    assert len(got) == 3
    assert {k: got[2][k] for k in ("value", "unit", "qualifier", "subject", "sentence", "headline", "district_name",
                                   "issue_date")} == {
        "value": 40.0, "unit": "条", "qualifier": "余", "subject": "意见", "sentence": "共收集意见40余条。",
        "headline": "永川：古镇保护协商", "district_name": "永川区", "issue_date": date(2025, 4, 10)}


def test_people_count_each_article_once_per_role(hand_made):
    got = {(r["name"], r["role"]): (r["articles"], r["districts"], r["first_issue"], r["last_issue"])
           for r in rows(hand_made, "SELECT * FROM people")}
    assert got == {("李明", "reporter"): (3, ["永川区", "江津区"], date(2025, 3, 5), date(2025, 4, 10)),
                   ("王芳", "correspondent"): (1, ["江津区"], date(2025, 3, 5), date(2025, 3, 5)),
                   ("赵雪", "author"): (1, ["江津区"], date(2025, 3, 5), date(2025, 3, 5))}


def test_search_puts_the_exact_phrase_first_and_needs_every_term(hand_made):
    got = rows(hand_made, "SELECT article_id, exact, score, snippet FROM search_articles('古镇 保护')")
    # 永川 has 古镇保护 as written; the 江津 visit has 古镇 … 保护 apart: a match, ranked after it.
    assert [(r["article_id"], r["exact"]) for r in got] == [(f"{I2}-02", True), (f"{I1}-02", False)]
    assert "古镇保护" in got[0]["snippet"]
    assert [r["article_id"] for r in rows(hand_made, "SELECT * FROM search_articles('古镇保护')")] == [f"{I2}-02"]
    both = rows(hand_made, "SELECT article_id FROM search_articles('养老 办结')")
    assert [r["article_id"] for r in both] == [f"{I2}-01"]          # only one article has both terms
    assert rows(hand_made, "SELECT * FROM search_articles('养老 火星')") == []


def test_search_proposals_ranks_titles(hand_made):
    got = rows(hand_made, "SELECT proposal_id, title, status, district_name, exact FROM search_proposals('社区养老')")
    assert {r["proposal_id"] for r in got} == {f"{I1}-01-p01", f"{I2}-01-p01"}
    assert all(r["exact"] and r["title"] == TITLE for r in got)
    assert got[0]["status"] == "办结"              # equal scores: the later issue first


def test_search_is_current_after_the_next_commit(hand_made):
    assert rows(hand_made, "SELECT * FROM search_articles('乡村振兴')") == []
    body = "綦江区政协聚焦乡村振兴开展调研。"
    extra = {"issues": frame("issues", [{"issue_id": "c" * 16, "source_name": "c.txt", "sha256": "c" * 64,
                                         "article_count": 1, "parser_version": "t"}]),
             "articles": frame("articles", [article("c" * 16, 1, ("500110", "綦江区"), body)]),
             "proposals": frame("proposals", []), "metrics": frame("metrics", [])}
    with connection.writer(hand_made.lake) as con:
        load.commit_batch(con, extra, frame("pages", [{"issue_id": "c" * 16, "source_name": "c.txt"}]),
                          load.quarantine_frame([], "t"), "t")
    assert [r["article_id"] for r in rows(hand_made, "SELECT * FROM search_articles('乡村振兴')")] == ["c" * 16 + "-01"]


@pytest.mark.parametrize("query, message", [
    ("", "give a word to search for"),
    ("  ，。！？“”%%%  ", "give a word to search for"),
    ("x" * 10_000, "the query is 10000 characters long; at most 100"),
])
def test_a_query_without_words_or_too_long_is_refused_in_one_line(hand_made, query, message):
    with pytest.raises(QueryError) as caught:
        sandbox.query(hand_made.lake, f"SELECT * FROM search_articles('{query}')")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_hostile_search_strings_answer_plainly_and_change_nothing(hand_made):
    before = (rows(hand_made, "SELECT count(*) AS n FROM articles"), read.history(hand_made.lake, limit=100))
    hostile = ["'; DROP TABLE articles; --", '"古镇" \'保护\' %', "%' OR 1=1 --", "古镇\"); DELETE FROM issues; --"]
    with sandbox.reader(hand_made.lake) as con:
        for q in hostile:                      # bound as a parameter: each is just text to search for
            con.execute("SELECT * FROM search_articles(?)", [q]).fetchall()
        with pytest.raises(Exception, match="at most 100"):
            con.execute("SELECT * FROM search_articles(?)", ["'; DROP " * 1250]).fetchall()
    quoted = rows(hand_made, "SELECT article_id FROM search_articles(?)", ['"古镇"保护'])
    assert [r["article_id"] for r in quoted] == [f"{I2}-02", f"{I1}-02"]      # quotes only separate terms
    assert (rows(hand_made, "SELECT count(*) AS n FROM articles"), read.history(hand_made.lake, limit=100)) == before


def test_views_are_created_once_and_kept_current(hand_made):
    snapshots = len(read.history(hand_made.lake, limit=1000))
    with connection.writer(hand_made.lake):
        pass
    assert len(read.history(hand_made.lake, limit=1000)) == snapshots          # nothing to do: no new snapshot
    with connection.writer(hand_made.lake) as con:
        con.execute("BEGIN")
        con.execute("CREATE OR REPLACE VIEW people AS SELECT 1 AS stale")
        connection.commit(con, {"kind": "test"})
    with connection.writer(hand_made.lake):
        pass
    assert "name" in rows(hand_made, "SELECT * FROM people LIMIT 1")[0]    # the stale definition was replaced
    assert read.history(hand_made.lake, limit=1)[0]["kind"] == "views"


# ---------------------------------------------------------------- the development pages

@pytest.fixture(scope="module")
def dev_lake(tmp_path_factory):
    if not DEV_INBOX.is_dir():
        pytest.skip(f"../shared/dev is absent ({DEV_INBOX}): no development pages to search")
    settings = make_settings(tmp_path_factory.mktemp("dev"))
    parsed = parse_chunk(plan_inbox(DEV_INBOX, {}, {}).new, settings.max_file_bytes)
    frames = build_frames([p for p in parsed if p.ok])
    with connection.writer(settings.lake) as con:
        load.commit_batch(con, frames.tables, frames.raw_pages, load.quarantine_frame([], "dev"), "dev")
    return settings


def bm25(docs: dict[str, str], query: str) -> dict[str, float]:
    """BM25 over character bigrams, written here from the textbook formula, for the documents holding every term."""
    terms = re.findall(r"[^\W_]+", query.lower())
    grams = list(dict.fromkeys(g for t in terms for g in ([t] if len(t) == 1 else [t[i:i + 2] for i in range(len(t) - 1)])))
    folded = {k: v.lower() for k, v in docs.items()}
    n, avgdl = len(docs), sum(len(v.encode()) for v in folded.values()) / len(docs)
    df = {g: sum(g in v for v in folded.values()) for g in grams}
    out = {}
    for key, text in folded.items():
        if all(t in text for t in terms):
            dl = len(text.encode())
            out[key] = sum(math.log(1 + (n - df[g] + 0.5) / (df[g] + 0.5)) * text.count(g) * 2.2
                           / (text.count(g) + 1.2 * (0.25 + 0.75 * dl / avgdl)) for g in grams)
    return out


def dev_queries(con) -> list[str]:
    """Queries an analyst would type, taken from the pages: proposal titles, metric subjects, headline halves."""
    got = rows(con, "SELECT DISTINCT title AS q FROM proposals UNION SELECT DISTINCT subject FROM metrics "
                         "WHERE length(subject) >= 2 UNION SELECT DISTINCT substr(regexp_replace(headline, '^.*：', ''), 1, 4) "
                         "FROM articles WHERE length(headline) >= 6")
    queries = sorted(r["q"] for r in got if r["q"] and re.search(r"[^\W_]", r["q"]))
    return queries[::max(1, len(queries) // 60)]           # about 60, spread over the kinds


def test_search_ranks_dev_pages_like_bm25_with_exact_phrases_first(dev_lake):
    with sandbox.reader(dev_lake.lake) as con:
        ranks_like_bm25(con)


def ranks_like_bm25(con) -> None:
    docs = {r["article_id"]: "\n".join(x for x in (r["headline"], r["kicker"], r["body"]) if x)
            for r in rows(con, "SELECT article_id, headline, kicker, body FROM articles")}
    queries = dev_queries(con)
    assert len(queries) >= 30
    exact_first = answered = 0
    for q in queries:
        got = rows(con, "SELECT article_id, exact, score FROM search_articles(?)", [q])
        expected = bm25(docs, q)
        assert {r["article_id"] for r in got} == set(expected), q
        phrase = "".join(re.findall(r"[^\W_]+", q.lower()))
        for r in got:
            assert r["exact"] == (phrase in docs[r["article_id"]].lower()), (q, r)
            assert r["score"] == pytest.approx(expected[r["article_id"]], abs=1e-3), (q, r)
        keys = [(not r["exact"], -r["score"]) for r in got]
        assert keys == sorted(keys), q                       # exact matches first, then by score
        answered += bool(got)            # a subject the parser composed (`…占比`) may stand nowhere in the text
        exact_first += bool(got) and got[0]["exact"] == any(r["exact"] for r in got)
    assert answered >= 30 and exact_first == answered


def test_a_proposal_title_finds_its_article_and_itself_first(dev_lake):
    with sandbox.reader(dev_lake.lake) as con:
        proposals = rows(con, "SELECT proposal_id, article_id, title FROM proposals")
        assert proposals
        for p in proposals:
            hits = rows(con, "SELECT article_id, exact FROM search_articles(?)", [p["title"]])
            assert p["article_id"] in [h["article_id"] for h in hits if h["exact"]], p
            titles = rows(con, "SELECT title, exact FROM search_proposals(?)", [p["title"]])
            assert titles[0]["title"] == p["title"] and titles[0]["exact"], p


def test_the_definitions_are_documented():
    text = (Path(__file__).resolve().parents[1] / "docs" / "tables.md").read_text(encoding="utf-8")
    for d in views.DEFINITIONS:
        assert d.signature in text, d.name
