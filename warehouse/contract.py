"""The table contract: every table of the warehouse, written once — columns, types, meaning, checks.

The DDL (`ddl`), the polars schemas the flow builds its frames with (`polars_schema`) and the Great
Expectations suites (`expectations/`) are all generated from `TABLES`; nothing else lists a column.
The public part follows ../shared/spec/warehouse.md; `pages`, `quarantine` and `runs` are ours.

Checks are written as data. Batch checks run in GX over each batch's frames; a check that needs more
than the batch (keys unique across the warehouse) gets its values as a suite parameter at validation.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Check:
    """One expectation on a column. `kind` names it; `arg` is its argument (a value set, bounds, a regex,
    another column or table)."""
    kind: str
    arg: object = None


NOT_NULL = Check("not_null")
KEY = Check("key")                       # unique in the batch and across the warehouse; never null
FINITE = Check("between", (-sys.float_info.max, sys.float_info.max))     # no inf (nor NaN) loads


def one_of(*values: str) -> Check:
    return Check("in_set", values)


def between(low=None, high=None) -> Check:
    return Check("between", (low, high))


def matches(regex: str) -> Check:
    return Check("regex", regex)


def references(table: str) -> Check:
    """Every value is a key of `table` (each page is loaded whole, so the batch holds the referenced rows)."""
    return Check("references", table)


def at_least_column(other: str) -> Check:
    """This column >= `other` where both are set."""
    return Check("at_least_column", other)


def above_column(other: str) -> Check:
    """This column > `other`."""
    return Check("above_column", other)


def length_of(other: str) -> Check:
    """This column equals the number of characters of `other`."""
    return Check("length_of", other)


@dataclass(frozen=True)
class Column:
    name: str
    type: str                    # DuckDB type
    meaning: str
    checks: tuple[Check, ...] = ()

    @property
    def is_key(self) -> bool:
        return KEY in self.checks


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    per_page: bool = False       # rows come from parsing a page and carry its issue_id; validated per batch

    @property
    def key(self) -> str | None:
        return next((c.name for c in self.columns if c.is_key), None)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, type_: str, meaning: str = "", *checks: Check) -> Column:
    return Column(name, type_, meaning, checks)


DISTRICT_CODE = matches(r"^500[0-9]{3}$")
# Where a file was set aside (the steps of a page's way in, and the two decisions about a whole file), and how a
# run ended: the values `quarantine.stage` and `runs.status` may take, checked on every write (`check_value_sets`).
QUARANTINE_STAGES = ("read", "decode", "parse", "validate", "load", "duplicate", "forgotten")
RUN_STATUSES = ("Completed", "Failed", "Skipped", "Cancelled")
ISSUE_REF = references("issues")
ARTICLE_REF = references("articles")

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("issues", "one row per ingested page file", (
        _c("issue_id", "VARCHAR", "first 16 hex digits of the file's sha256", KEY, matches(r"^[0-9a-f]{16}$")),
        _c("source_name", "VARCHAR", "file name as found in the inbox (path relative to it, for subfolders)", NOT_NULL),
        _c("sha256", "VARCHAR", "hash of the raw bytes", matches(r"^[0-9a-f]{64}$")),
        _c("section", "VARCHAR", "page section from the header, e.g. 区县"),
        _c("theme", "VARCHAR", "page banner, NULL if none"),
        _c("issue_date", "DATE", "publication date: the date in the file name (or its folders); else from the text: "
           "the latest dated event of the page's year (the latest year its stories look back on, later than a "
           "year named as a start or as done, e.g. 自2019年以来, 2018年实现…) within a month of a story that states "
           "that year; NULL when no year dates the page"),
        _c("issue_date_source", "VARCHAR", "where issue_date comes from: filename | text | NULL", one_of("filename", "text")),
        _c("article_count", "INTEGER", "articles on the page", between(1)),
        _c("parser_version", "VARCHAR", "version of the parsing rules that produced the rows", NOT_NULL),
        _c("loaded_at", "TIMESTAMP", "when the page was committed"),
    ), per_page=True),
    Table("articles", "one row per article, brief or photo caption", (
        _c("article_id", "VARCHAR", "{issue_id}-{seq:02d}", KEY),
        _c("issue_id", "VARCHAR", "the page", NOT_NULL, ISSUE_REF),
        _c("seq", "INTEGER", "reading order on the page, from 1", between(1)),
        _c("kind", "VARCHAR", "feature | news | brief | photo", one_of("feature", "news", "brief", "photo")),
        _c("column_name", "VARCHAR", "recurring column (区县快递, 图片新闻, …), NULL if none"),
        _c("headline", "VARCHAR", "main title, NULL for an untitled photo or list item"),
        _c("kicker", "VARCHAR", "the other title line (引题 or 副题), NULL if none"),
        _c("subheads", "VARCHAR[]", "in-body section titles, in order"),
        _c("district_code", "VARCHAR", "6-digit code of the district or county the story is about", DISTRICT_CODE),
        _c("district_name", "VARCHAR", "its full official name"),
        _c("reporters", "VARCHAR[]", "names after 记者 / 本报记者"),
        _c("correspondents", "VARCHAR[]", "names after 通讯员"),
        _c("authors", "VARCHAR[]", "names signing a brief or credited as author"),
        _c("photographers", "VARCHAR[]", "names credited for photos"),
        _c("body", "VARCHAR", "running text, lines re-joined, layout spaces removed", NOT_NULL),
        _c("char_count", "INTEGER", "characters of body", between(1), length_of("body")),
        _c("keywords", "VARCHAR[]", "top keywords (jieba TF-IDF)"),
        _c("event_date", "DATE", "first explicit date in the text, year resolved"),
    ), per_page=True),
    Table("proposals", "one row per 提案 or 社情民意信息 named in 《》", (
        _c("proposal_id", "VARCHAR", "{article_id}-p{n:02d}", KEY),
        _c("issue_id", "VARCHAR", "the page", NOT_NULL, ISSUE_REF),
        _c("article_id", "VARCHAR", "the article naming it", NOT_NULL, ARTICLE_REF),
        _c("title", "VARCHAR", "title without 《》", NOT_NULL),
        _c("kind", "VARCHAR", "提案 | 社情民意信息", one_of("提案", "社情民意信息")),
        _c("proposer", "VARCHAR", "person or group, NULL if not stated"),
        _c("session", "VARCHAR", "e.g. 巴南区政协十五届三次会议, NULL if not stated"),
        _c("year", "INTEGER", "year submitted, NULL if unknown", between(1949, 2100)),
        _c("is_collective", "BOOLEAN", "集体提案"),
        _c("is_key", "BOOLEAN", "重点提案"),
        _c("status", "VARCHAR", "e.g. 办结, NULL if not stated"),
        _c("district_code", "VARCHAR", "district of the article", DISTRICT_CODE),
    ), per_page=True),
    Table("metrics", "one row per quantity an article reports", (
        _c("metric_id", "VARCHAR", "{article_id}-m{n:03d}", KEY),
        _c("issue_id", "VARCHAR", "the page", NOT_NULL, ISSUE_REF),
        _c("article_id", "VARCHAR", "the article", NOT_NULL, ARTICLE_REF),
        _c("surface", "VARCHAR", "the text as it stands, layout spaces removed", NOT_NULL),
        _c("value", "DOUBLE", "normalised number (万/亿 multiplied out; percent as a number of percent)", NOT_NULL,
           FINITE),
        _c("value_max", "DOUBLE", "upper end of a range, else NULL", FINITE, at_least_column("value")),
        _c("unit", "VARCHAR", "measure word or unit; money in 元", NOT_NULL),
        _c("qualifier", "VARCHAR", "余, 多, 以上, 近, 约, 超, 左右 … as written, else NULL"),
        _c("subject", "VARCHAR", "what is counted"),
        _c("sentence", "VARCHAR", "the sentence it was found in"),
        _c("span_start", "INTEGER", "offset of surface in articles.body", between(0)),
        _c("span_end", "INTEGER", "end offset of surface in articles.body", above_column("span_start")),
        _c("district_code", "VARCHAR", "district of the article", DISTRICT_CODE),
    ), per_page=True),
    Table("districts", "Chongqing's 38 districts and counties", (
        _c("district_code", "VARCHAR", "official 6-digit code", KEY),
        _c("name", "VARCHAR", "full name, e.g. 江津区"),
        _c("short_name", "VARCHAR", "e.g. 江津"),
        _c("kind", "VARCHAR", "区 | 县 | 自治县"),
    )),
    Table("pages", "the raw bytes of every loaded page, so a new parser version can re-process them", (
        _c("issue_id", "VARCHAR", "the page", KEY),
        _c("source_name", "VARCHAR", "file name as found in the inbox"),
        _c("sha256", "VARCHAR", "hash of raw"),
        _c("raw", "BLOB", "the file's bytes"),
        _c("stored_at", "TIMESTAMP", "when it was stored"),
    )),
    Table("quarantine", "files that were not loaded, and why", (
        _c("source_name", "VARCHAR", "file name as found in the inbox"),
        _c("sha256", "VARCHAR", "hash of the bytes, NULL when they could not be read"),
        _c("stage", "VARCHAR", "the step that set it aside", one_of(*QUARANTINE_STAGES)),
        _c("reason", "VARCHAR", "one line saying why"),
        _c("detected_at", "TIMESTAMP", "when"),
        _c("run_id", "VARCHAR", "the run that set it aside"),
    )),
    Table("runs", "one row per flow run, however it ended", (
        _c("run_id", "VARCHAR", "our id of the run", KEY),
        _c("flow_run_id", "VARCHAR", "Prefect's flow run id"),
        _c("source", "VARCHAR", "inbox | stored (re-processing) | retry"),
        _c("started_at", "TIMESTAMP", ""),
        _c("finished_at", "TIMESTAMP", ""),
        _c("status", "VARCHAR", "how it ended (Skipped: another run held the warehouse; Cancelled: SIGTERM or SIGINT)",
           one_of(*RUN_STATUSES)),
        _c("reason", "VARCHAR", "why a run failed, was skipped or was cancelled (received SIGTERM or SIGINT)"),
        _c("files_seen", "INTEGER", "files in the inbox (or stored pages) considered"),
        _c("loaded", "INTEGER", "pages committed by this run"),
        _c("unchanged", "INTEGER", "already loaded with this content and parser"),
        _c("renamed", "INTEGER", "loaded content found under a new name"),
        _c("duplicates", "INTEGER", "same content as another file"),
        _c("quarantined", "INTEGER", "set aside by this run"),
        _c("known_bad", "INTEGER", "quarantined before, content unchanged"),
        _c("not_ready", "INTEGER", "still being written; left for the next run"),
        _c("articles_added", "INTEGER", "article rows this run committed"),
        _c("proposals_added", "INTEGER", "proposal rows this run committed"),
        _c("metrics_added", "INTEGER", "metric rows this run committed"),
    )),
)}

PAGE_TABLES: tuple[str, ...] = tuple(name for name, t in TABLES.items() if t.per_page)

_POLARS_TYPES = {
    "VARCHAR": pl.String, "INTEGER": pl.Int32, "DOUBLE": pl.Float64, "BOOLEAN": pl.Boolean, "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us"), "BLOB": pl.Binary, "VARCHAR[]": pl.List(pl.String),
}


def polars_schema(table: str) -> pl.Schema:
    return pl.Schema({c.name: _POLARS_TYPES[c.type] for c in TABLES[table].columns})


def check_value_sets(table: str, frame: pl.DataFrame) -> None:
    """Raise ValueError if a column with a value set holds another value: the write-time check of the tables
    the GX suites do not see (`quarantine`, `runs`), so that a misspelt stage or status is an error."""
    for column in TABLES[table].columns:
        for check in column.checks:
            if check.kind == "in_set" and column.name in frame.columns:
                stray = frame.filter(pl.col(column.name).is_not_null() & ~pl.col(column.name).is_in(list(check.arg)))
                if stray.height:
                    raise ValueError(f"{table}.{column.name}: {stray[column.name][0]!r} is not one of "
                                     f"{', '.join(check.arg)}")


def ddl() -> str:
    """CREATE TABLE statements for every table (idempotent)."""
    statements = []
    for table in TABLES.values():
        columns = ",\n".join(f"    {c.name} {c.type}" for c in table.columns)
        statements.append(f"CREATE TABLE IF NOT EXISTS {table.name} (\n{columns}\n);")
    return "\n".join(statements)


def markdown() -> str:
    """The contract as Markdown tables (docs/tables.md is this text; a test keeps it current)."""
    out = ["# Warehouse tables", "",
           "Generated from `warehouse/contract.py` and `warehouse/views.py` (`python -m warehouse.contract > docs/tables.md`).",
           ""]
    for table in TABLES.values():
        out += [f"## {table.name}", "", table.meaning, "", "| column | type | meaning | checks |", "|---|---|---|---|"]
        for c in table.columns:
            checks = ", ".join(_describe(check) for check in c.checks)
            out.append(f"| {c.name} | {c.type} | {c.meaning} | {checks} |")
        out.append("")
    return "\n".join(out)


def _describe(check: Check) -> str:
    if check.kind == "in_set":
        return "one of " + ", ".join(check.arg)
    if check == FINITE:
        return "finite"
    if check.kind == "between":
        low, high = check.arg
        return f">= {low}" if high is None else f"{low}..{high}"
    if check.kind == "regex":
        return f"matches `{check.arg}`"
    if check.kind in ("references", "at_least_column", "above_column", "length_of"):
        return f"{check.kind.replace('_', ' ')} {check.arg}"
    return {"key": "unique key", "not_null": "not null"}[check.kind]


def document() -> str:
    """docs/tables.md: the tables, then the views and search macros (warehouse/views.py)."""
    from .views import markdown as views_markdown

    return markdown() + "\n" + views_markdown() + "\n"


if __name__ == "__main__":
    print(document(), end="")
