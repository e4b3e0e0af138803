"""Search macros and analysts' views, stored in the DuckLake beside the tables (`create_views`, called where
the schema is made), so every reader — `cppcc query`, `cppcc sql`, Python, DBeaver after `USE wh`, the
explorer — has them, current after every run, with no side index to rebuild.

Search: `search_articles(q)` and `search_proposals(q)`. The query is split into terms (runs of letters or
digits; spaces and punctuation separate them); a document matches when it contains every term. Matches
where the terms stand together as written (the exact phrase) rank first, then by BM25 over character
bigrams (k1 = 1.2, b = 0.75; a one-character term counts as itself), computed at query time over the
current snapshot. A query with no letter or digit, or longer than MAX_QUERY_CHARS, is refused in one line.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

MAX_QUERY_CHARS = 100
SNIPPET_BEFORE, SNIPPET_CHARS = 20, 80


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str                                  # view | table macro | macro
    meaning: str
    sql: str                                   # what follows AS
    params: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # (name, meaning) of a view's or table macro's rows
    helper: bool = False                       # used by the others; documented briefly

    @property
    def statement(self) -> str:
        if self.kind == "view":
            return f"CREATE OR REPLACE VIEW {self.name} AS {self.sql}"
        table = " TABLE" if self.kind == "table macro" else ""
        return f"CREATE OR REPLACE MACRO {self.name}({', '.join(self.params)}) AS{table} {self.sql}"

    @property
    def signature(self) -> str:
        return self.name if self.kind == "view" else f"{self.name}({', '.join(self.params)})"


_TERMS = r"regexp_extract_all(lower(q), '[\p{L}\p{N}]+')"

DEFINITIONS: tuple[Definition, ...] = (
    # ---------------------------------------------------------------- search helpers
    Definition("search_terms", "macro", "the query's terms, lower case: runs of letters or digits; "
               "refuses a query without any, or longer than " f"{MAX_QUERY_CHARS} characters", f"""
    CASE WHEN q IS NULL OR len({_TERMS}) = 0
              THEN error('search: give a word to search for (letters or digits; spaces separate terms)')
         WHEN length(q) > {MAX_QUERY_CHARS}
              THEN error('search: the query is ' || length(q) || ' characters long; at most {MAX_QUERY_CHARS}')
         ELSE {_TERMS} END""", ("q",), helper=True),
    Definition("search_grams", "macro", "the distinct character bigrams of the terms (a one-character term "
               "is its own gram)", """
    list_distinct(flatten(list_transform(terms, t -> CASE WHEN length(t) = 1 THEN [t]
        ELSE list_transform(range(1, length(t)), i -> substr(t, i, 2)) END)))""", ("terms",), helper=True),
    Definition("search_documents", "table macro", "what is searched: `articles` (headline, kicker and body) "
               "or `proposals` (titles)", """
    SELECT article_id AS id, concat_ws(chr(10), headline, kicker, body) AS text FROM articles WHERE what = 'articles'
    UNION ALL
    SELECT proposal_id, title FROM proposals WHERE what = 'proposals'""", ("what",),
               (("id", "article_id or proposal_id"), ("text", "the searched text")), helper=True),
    Definition("search_scores", "table macro", "the documents that contain every term, with `exact` (the "
               "terms stand together as written) and their BM25 `score` over character bigrams", """
    WITH query AS MATERIALIZED (
        SELECT terms, search_grams(terms) AS grams, array_to_string(terms, '') AS phrase,
               lower(q) <> upper(q) AS cased
        FROM (SELECT search_terms(q) AS terms)
    ), scan AS MATERIALIZED (       -- one pass over every document: its length and which grams it holds
        SELECT id, dl, has, CASE WHEN list_bool_and(has) THEN text END AS text
        FROM (SELECT id, text, strlen(text) AS dl, list_transform(grams, g -> contains(text, g)) AS has
              FROM (SELECT id, CASE WHEN cased THEN lower(text) ELSE text END AS text
                    FROM search_documents(what), query), query)
    ), stats AS MATERIALIZED (
        SELECT count(*) AS n, avg(dl) AS avgdl FROM scan
    ), df AS MATERIALIZED (
        SELECT i, grams[i] AS g, df
        FROM (SELECT i, count(*) FILTER (hit) AS df
              FROM (SELECT unnest(generate_series(1, len(has))) AS i, unnest(has) AS hit FROM scan) GROUP BY i), query
    ), hits AS (
        SELECT id, text, dl FROM scan, query
        WHERE text IS NOT NULL AND list_bool_and(list_transform(terms, t -> contains(text, t)))
    )
    SELECT id, contains(text, phrase) AS exact,
           sum(ln(1 + (n - df + 0.5) / (df + 0.5)) * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl))) AS score
    FROM (SELECT id, text, dl, (strlen(text) - strlen(replace(text, g, ''))) // strlen(g) AS tf, df, n, avgdl, phrase
          FROM hits, df, stats, query)
    GROUP BY id, text, phrase""", ("q", "what"),
               (("id", "article_id or proposal_id"), ("exact", "the terms stand together as written"),
                ("score", "BM25 over character bigrams")), helper=True),
    Definition("search_snippet", "macro", "about 80 characters of `body` around the first hit of the query",
               f"""
    (SELECT CASE WHEN start > 1 THEN '…' ELSE '' END || substr(body, start, {SNIPPET_CHARS})
            || CASE WHEN length(body) >= start + {SNIPPET_CHARS} THEN '…' ELSE '' END
     FROM (SELECT greatest(1, coalesce(nullif(strpos(folded, array_to_string(terms, '')), 0),
                                       list_min(list_filter(list_transform(terms, t -> strpos(folded, t)), p -> p > 0)),
                                       1) - {SNIPPET_BEFORE}) AS start
           FROM (SELECT CASE WHEN lower(q) <> upper(q) THEN lower(body) ELSE body END AS folded,
                        search_terms(q) AS terms)))""", ("body", "q"), helper=True),
    # ---------------------------------------------------------------- search
    Definition("search_articles", "table macro", "articles containing every term of `q`, best first: exact "
               "phrase matches, then BM25 over character bigrams", """
    SELECT a.article_id, i.issue_date, a.district_name, a.headline, search_snippet(a.body, q) AS snippet,
           s.exact, round(s.score, 3) AS score
    FROM search_scores(q, 'articles') s JOIN articles a ON a.article_id = s.id JOIN issues i USING (issue_id)
    ORDER BY s.exact DESC, s.score DESC, i.issue_date DESC NULLS LAST, a.article_id""", ("q",),
               (("article_id", ""), ("issue_date", "the page's date"), ("district_name", "the article's district"),
                ("headline", ""), ("snippet", "the body around the first hit"),
                ("exact", "every term stands together, as written"), ("score", "BM25 over character bigrams"))),
    Definition("search_proposals", "table macro", "proposals whose title contains every term of `q`, ranked "
               "like `search_articles`", """
    SELECT p.proposal_id, p.title, p.kind, p.proposer, p.session, p.status, a.district_name, i.issue_date,
           p.article_id, s.exact, round(s.score, 3) AS score
    FROM search_scores(q, 'proposals') s JOIN proposals p ON p.proposal_id = s.id
         JOIN articles a USING (article_id) JOIN issues i ON i.issue_id = p.issue_id
    ORDER BY s.exact DESC, s.score DESC, i.issue_date DESC NULLS LAST, p.proposal_id""", ("q",),
               (("proposal_id", ""), ("title", ""), ("kind", "提案 or 社情民意信息"), ("proposer", ""), ("session", ""),
                ("status", ""), ("district_name", ""), ("issue_date", ""), ("article_id", "the article naming it"),
                ("exact", "every term stands together, as written"), ("score", "BM25 over character bigrams"))),
    # ---------------------------------------------------------------- views
    Definition("district_months", "view", "per district and month of issue: articles, proposals and metrics", """
    SELECT a.district_code, a.district_name, date_trunc('month', i.issue_date)::DATE AS month,
           count(*) AS articles, coalesce(sum(p.n), 0)::BIGINT AS proposals, coalesce(sum(m.n), 0)::BIGINT AS metrics
    FROM articles a JOIN issues i USING (issue_id)
         LEFT JOIN (SELECT article_id, count(*) AS n FROM proposals GROUP BY article_id) p USING (article_id)
         LEFT JOIN (SELECT article_id, count(*) AS n FROM metrics GROUP BY article_id) m USING (article_id)
    GROUP BY a.district_code, a.district_name, month""", columns=(
        ("district_code", "NULL for articles without a district"), ("district_name", ""),
        ("month", "first day of the issues' month (NULL when the page has no date)"),
        ("articles", ""), ("proposals", "proposals named in those articles"), ("metrics", "quantities they report"))),
    Definition("proposal_tracker", "view", "each distinct proposal (title within a district) across the pages "
               "that mention it", """
    SELECT title, district_code, any_value(district_name) AS district_name, mode(kind) AS kind,
           arg_max(proposer, issue_date) FILTER (WHERE proposer IS NOT NULL) AS proposer,
           arg_max(session, issue_date) FILTER (WHERE session IS NOT NULL) AS session,
           min(year) AS year, bool_or(is_key) AS is_key, bool_or(is_collective) AS is_collective,
           arg_max(status, issue_date) FILTER (WHERE status IS NOT NULL) AS status,
           min(issue_date) AS first_issue, max(issue_date) AS last_issue, count(DISTINCT article_id) AS mentions,
           list(DISTINCT {'issue_date': issue_date, 'article_id': article_id, 'headline': headline}
                ORDER BY {'issue_date': issue_date, 'article_id': article_id, 'headline': headline}) AS articles
    FROM (SELECT p.*, a.district_name, a.headline, i.issue_date
          FROM proposals p JOIN articles a USING (article_id) JOIN issues i ON i.issue_id = p.issue_id)
    GROUP BY title, district_code""", columns=(
        ("title", "without 《》"), ("district_code", ""), ("district_name", ""), ("kind", "the most frequent"),
        ("proposer", "the latest stated"), ("session", "the latest stated"), ("year", "the earliest stated"),
        ("is_key", "重点提案 on any mention"), ("is_collective", "集体提案 on any mention"),
        ("status", "the latest stated, e.g. 办结"), ("first_issue", "date of the first page naming it"),
        ("last_issue", "date of the last"), ("mentions", "articles naming it"),
        ("articles", "every article naming it, oldest first: {issue_date, article_id, headline}"))),
    Definition("metric_facts", "view", "every reported quantity with its context", """
    SELECT m.metric_id, m.value, m.value_max, m.unit, m.qualifier, m.subject, m.surface, m.sentence,
           a.headline, m.article_id, a.district_code, a.district_name, i.issue_date
    FROM metrics m JOIN articles a USING (article_id) JOIN issues i ON i.issue_id = m.issue_id""", columns=(
        ("metric_id", ""), ("value", "normalised number"), ("value_max", "upper end of a range"), ("unit", ""),
        ("qualifier", "余, 多, 以上 …"), ("subject", "what is counted"), ("surface", "the text as it stands"),
        ("sentence", "the sentence it was found in"), ("headline", "of its article"), ("article_id", ""),
        ("district_code", ""), ("district_name", ""), ("issue_date", ""))),
    Definition("people", "view", "reporters, correspondents, authors and photographers with their article counts",
               """
    SELECT name, role, count(DISTINCT article_id) AS articles, min(issue_date) AS first_issue,
           max(issue_date) AS last_issue,
           list(DISTINCT district_name ORDER BY district_name) FILTER (WHERE district_name IS NOT NULL) AS districts
    FROM (SELECT unnest(list_distinct(r.names)) AS name, r.role, a.article_id, a.district_name, i.issue_date
          FROM articles a JOIN issues i USING (issue_id),
               (VALUES ('reporter'), ('correspondent'), ('author'), ('photographer')) roles(role),
               LATERAL (SELECT roles.role, CASE roles.role WHEN 'reporter' THEN a.reporters
                        WHEN 'correspondent' THEN a.correspondents WHEN 'author' THEN a.authors
                        ELSE a.photographers END AS names) r)
    GROUP BY name, role""", columns=(
        ("name", ""), ("role", "reporter, correspondent, author or photographer"),
        ("articles", "articles crediting them in that role"), ("first_issue", ""), ("last_issue", ""),
        ("districts", "districts of those articles"))),
)

NAMES = tuple(d.name for d in DEFINITIONS)


def statements() -> list[str]:
    return [d.statement for d in DEFINITIONS]


def _stored(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, str]:
    """name -> the definition DuckDB keeps (views' SQL, macros' bodies) for our names in `database`."""
    names = list(NAMES)
    rows = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? AND view_name IN "
                       "(SELECT unnest(?::VARCHAR[]))", [database, names]).fetchall()
    rows += con.execute("SELECT function_name, string_agg(macro_definition, ';') FROM duckdb_functions() "
                        "WHERE database_name = ? AND function_name IN (SELECT unnest(?::VARCHAR[])) "
                        "GROUP BY function_name", [database, names]).fetchall()
    return dict(rows)


def _wanted() -> dict[str, str]:
    """The definitions as DuckDB keeps them, from an empty in-memory database with the contract's tables."""
    from .contract import ddl

    con = duckdb.connect()
    try:
        con.execute(ddl())
        for statement in statements():
            con.execute(statement)
        return _stored(con, "memory")
    finally:
        con.close()


def create_views(con: duckdb.DuckDBPyConnection, database: str = "wh") -> bool:
    """(Re)create the macros and views in one commit when any is missing or differs from DEFINITIONS; True when
    it committed. Called with the schema, so each run (and each writer) leaves them current."""
    if _stored(con, database) == _wanted():
        return False
    from .connection import commit, transaction      # connection.ensure_schema calls this module

    with transaction(con):
        for statement in statements():
            con.execute(statement)
        commit(con, {"kind": "views", "created": list(NAMES)})
    return True


def markdown() -> str:
    """The views and macros for docs/tables.md (after the tables; tests/test_contract.py keeps it current)."""
    out = ["# Views and search macros", "",
           "Generated from `warehouse/views.py`; stored in the warehouse (DuckLake) with the tables and current after "
           "every run. Macros resolve names in the current database: after attaching the lake yourself, `USE` it first.",
           "", "```sql", "SELECT * FROM search_articles('古镇保护') LIMIT 10;",
           "SELECT title, district_name, status, first_issue, last_issue FROM proposal_tracker WHERE title LIKE '%养老%';",
           "```", "",
           f"Search: the query's terms are its runs of letters or digits (spaces and punctuation separate them, case "
           f"is ignored); a document matches when it contains every term. Matches where the terms stand together as "
           f"written (`exact`) come first, then by BM25 over character bigrams (`score`). An empty query, one of "
           f"punctuation only, or one longer than {MAX_QUERY_CHARS} characters is refused with one line.", ""]
    for d in DEFINITIONS:
        if d.helper:
            continue
        out += [f"## {d.signature}", "", f"{d.kind}: {d.meaning}", "", "| column | meaning |", "|---|---|"]
        out += [f"| {name} | {meaning} |" for name, meaning in d.columns]
        out.append("")
    out += ["## Helpers", "", "Used by the search macros; callable too.", "", "| macro | what it gives |", "|---|---|"]
    out += [f"| {d.signature} | {d.meaning} |" for d in DEFINITIONS if d.helper]
    return "\n".join(out)
