"""What the explorer's pages show, as queries on a sandboxed read-only connection (`warehouse.sandbox.reader`).
Every statement is fixed text; what a person types goes in as a bound parameter. No Streamlit here."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import duckdb
import polars as pl

from cppcc.errors import CppccError

SEARCH_LIMIT = 50
TABLE_LIMIT = 300


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return con.execute(sql, params or []).pl()


def totals(con) -> dict:
    row = con.execute("""
        SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM articles), (SELECT count(*) FROM proposals),
               (SELECT count(*) FROM metrics), (SELECT count(*) FROM quarantine),
               (SELECT min(issue_date) FROM issues), (SELECT max(issue_date) FROM issues)""").fetchone()
    return dict(zip(("pages", "articles", "proposals", "metrics", "quarantined", "first_issue", "last_issue"), row))


def recent_runs(con, limit: int = 10) -> pl.DataFrame:
    return frame(con, "SELECT started_at, run_id, status, files_seen, loaded, quarantined, articles_added, reason "
                      "FROM runs ORDER BY started_at DESC LIMIT ?", [limit])


def quarantined_files(con, limit: int = 20) -> pl.DataFrame:
    return frame(con, "SELECT detected_at, source_name, stage, reason, run_id FROM quarantine "
                      "ORDER BY detected_at DESC, source_name LIMIT ?", [limit])


def articles_per_district(con) -> pl.DataFrame:
    return frame(con, "SELECT coalesce(district_name, '(none)') AS district, sum(articles)::BIGINT AS articles "
                      "FROM district_months GROUP BY 1 ORDER BY 2 DESC")


def articles_per_month(con) -> pl.DataFrame:
    return frame(con, "SELECT strftime(month, '%Y-%m') AS month, sum(articles)::BIGINT AS articles, "
                      "sum(proposals)::BIGINT AS proposals FROM district_months WHERE month IS NOT NULL "
                      "GROUP BY month ORDER BY month")


class SearchRefused(CppccError):
    """The search macros refused the query (no word in it, or too long): the message says why."""


def _search(con, macro: str, q: str, limit: int) -> tuple[int, pl.DataFrame]:
    try:
        result = frame(con, f"SELECT *, count(*) OVER () AS total FROM {macro}(?) LIMIT ?", [q, limit])
    except duckdb.InvalidInputException as exc:
        message = str(exc).splitlines()[0]
        if "search:" not in message:
            raise
        raise SearchRefused(message.split("search:", 1)[1].strip()) from None
    total = result["total"][0] if result.height else 0
    return total, result.drop("total")


def search_articles(con, q: str, limit: int = SEARCH_LIMIT) -> tuple[int, pl.DataFrame]:
    """(how many articles match, the best `limit`)."""
    return _search(con, "search_articles", q, limit)


def search_proposals(con, q: str, limit: int = 10) -> tuple[int, pl.DataFrame]:
    return _search(con, "search_proposals", q, limit)


def districts(con) -> pl.DataFrame:
    """Every district, those with articles first (most first)."""
    return frame(con, "SELECT d.district_code, d.name, coalesce(sum(m.articles), 0)::BIGINT AS articles "
                      "FROM districts d LEFT JOIN district_months m USING (district_code) "
                      "GROUP BY ALL ORDER BY articles DESC, d.district_code")


def district_months(con, code: str) -> pl.DataFrame:
    return frame(con, "SELECT strftime(month, '%Y-%m') AS month, articles, proposals, metrics FROM district_months "
                      "WHERE district_code = ? AND month IS NOT NULL ORDER BY month", [code])


def district_articles(con, code: str, limit: int = TABLE_LIMIT) -> pl.DataFrame:
    return frame(con, "SELECT i.issue_date, a.article_id, a.headline, a.kind, a.char_count FROM articles a "
                      "JOIN issues i USING (issue_id) WHERE a.district_code = ? "
                      "ORDER BY i.issue_date DESC NULLS LAST, a.article_id LIMIT ?", [code, limit])


def district_metrics(con, code: str, limit: int = TABLE_LIMIT) -> pl.DataFrame:
    return frame(con, "SELECT issue_date, surface, unit, subject, sentence, article_id, headline FROM metric_facts "
                      "WHERE district_code = ? ORDER BY issue_date DESC NULLS LAST, metric_id LIMIT ?", [code, limit])


def proposal_choices(con) -> dict[str, list]:
    """The values the proposals page can filter by."""
    rows = con.execute("SELECT list(DISTINCT district_name ORDER BY district_name) FILTER (WHERE district_name IS NOT NULL), "
                       "list(DISTINCT kind ORDER BY kind) FILTER (WHERE kind IS NOT NULL), "
                       "list(DISTINCT status ORDER BY status) FILTER (WHERE status IS NOT NULL), "
                       "list(DISTINCT year ORDER BY year) FILTER (WHERE year IS NOT NULL) FROM proposal_tracker").fetchone()
    return {key: value or [] for key, value in zip(("district", "kind", "status", "year"), rows)}


def proposals(con, district: str | None = None, kind: str | None = None, status: str | None = None,
              year: int | None = None, district_code: str | None = None) -> pl.DataFrame:
    """The proposal tracker, filtered (None: any), latest first."""
    return frame(con, """
        SELECT title, district_name, kind, proposer, session, status, year, is_key, first_issue, last_issue, mentions,
               list_transform(articles, a -> a.article_id) AS article_ids
        FROM proposal_tracker
        WHERE (?::VARCHAR IS NULL OR district_name = ?) AND (?::VARCHAR IS NULL OR kind = ?)
          AND (?::VARCHAR IS NULL OR status = ?) AND (?::INTEGER IS NULL OR year = ?)
          AND (?::VARCHAR IS NULL OR district_code = ?)
        ORDER BY last_issue DESC NULLS LAST, title""",
                 [district, district, kind, kind, status, status, year, year, district_code, district_code])


def proposals_csv(table: pl.DataFrame) -> bytes:
    """The filtered tracker as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese)."""
    flat = table.with_columns(pl.col("article_ids").list.join(" "))
    return "\ufeff".encode() + flat.write_csv().encode("utf-8")


def metric_choices(con) -> dict[str, list]:
    units = [r[0] for r in con.execute("SELECT unit FROM metric_facts GROUP BY unit ORDER BY count(*) DESC, unit").fetchall()]
    names = [r[0] for r in con.execute("SELECT DISTINCT district_name FROM metric_facts WHERE district_name IS NOT NULL "
                                       "ORDER BY 1").fetchall()]
    return {"unit": units, "district": names}


def metrics(con, unit: str | None = None, subject: str | None = None, district: str | None = None,
            limit: int = TABLE_LIMIT) -> tuple[int, pl.DataFrame]:
    """(how many metric facts match, the latest `limit`); `subject` matches as a substring."""
    result = frame(con, """
        SELECT issue_date, value, unit, qualifier, subject, surface, sentence, headline, article_id, district_name,
               count(*) OVER () AS total
        FROM metric_facts
        WHERE (?::VARCHAR IS NULL OR unit = ?) AND (?::VARCHAR IS NULL OR contains(subject, ?))
          AND (?::VARCHAR IS NULL OR district_name = ?)
        ORDER BY issue_date DESC NULLS LAST, metric_id LIMIT ?""",
                   [unit, unit, subject, subject, district, district, limit])
    return (result["total"][0] if result.height else 0), result.drop("total")


@dataclass
class Article:
    fields: dict
    metrics: list[dict]
    proposals: list[dict]


def article(con, article_id: str) -> Article | None:
    cur = con.execute("SELECT a.*, i.issue_date, i.source_name FROM articles a JOIN issues i USING (issue_id) "
                      "WHERE a.article_id = ?", [article_id])
    row = cur.fetchone()
    if row is None:
        return None
    fields = dict(zip([d[0] for d in cur.description], row))
    found = frame(con, "SELECT span_start, span_end, surface, value, unit, qualifier, subject FROM metrics "
                       "WHERE article_id = ? ORDER BY span_start", [article_id]).to_dicts()
    named = frame(con, "SELECT title, kind, proposer, session, status FROM proposals WHERE article_id = ? "
                       "ORDER BY proposal_id", [article_id]).to_dicts()
    return Article(fields, found, named)


def highlight_spans(body: str, spans: list[dict]) -> str:
    """The body as HTML, each metric's span (span_start..span_end) in <mark> with what it reads as; overlapping or
    out-of-range spans are skipped. Paragraphs become <p>."""
    out, at = [], 0
    for span in sorted(spans, key=lambda s: (s["span_start"], s["span_end"])):
        start, end = span["span_start"], span["span_end"]
        if start is None or end is None or start < at or end > len(body) or start >= end:
            continue
        what = " ".join(str(v) for v in (_number(span["value"]), span["unit"], span.get("subject")) if v)
        out += [html.escape(body[at:start]),
                f'<mark title="{html.escape(what)}">{html.escape(body[start:end])}</mark>']
        at = end
    out.append(html.escape(body[at:]))
    return "".join(f"<p>{p}</p>" for p in "".join(out).split("\n") if p.strip())


def highlight_terms(text: str, q: str) -> str:
    """`text` as HTML with the query's terms (runs of letters or digits, as the search macros read them) marked."""
    terms = sorted({t for t in re.findall(r"[^\W_]+", q.lower())}, key=len, reverse=True)
    if not terms or not text:
        return html.escape(text or "")
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.I)
    out, at = [], 0
    for m in pattern.finditer(text):
        out += [html.escape(text[at:m.start()]), f"<mark>{html.escape(m.group())}</mark>"]
        at = m.end()
    return "".join(out) + html.escape(text[at:])


def _number(value) -> str:
    return f"{value:,.0f}" if value is not None and float(value).is_integer() else f"{value}"
