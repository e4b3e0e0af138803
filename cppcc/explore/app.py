"""The Streamlit app `cppcc explore` serves: overview, search, a district, proposals, metrics, an article.

Run by `cppcc explore` (cppcc/explore/__init__.py) as `streamlit run app.py -- CONFIG_JSON`. It reads the
warehouse through one sandboxed read-only connection (`warehouse.sandbox.reader`) shared by the sessions,
one query at a time; links between pages are plain URLs (`article?id=…`), so every page can be bookmarked."""
from __future__ import annotations

import html
import json
import sys
import threading
from contextlib import ExitStack
from datetime import date, datetime

import duckdb
import polars as pl
import streamlit as st

from cppcc.explore import data
from cppcc.settings import Settings, load_settings
from warehouse import sandbox
from warehouse.errors import WarehouseError

ANY = "(any)"
CONFIG = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
CSS = """<style>
mark { background: #ffe58f; padding: 0 1px; }
table.cppcc { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
table.cppcc th, table.cppcc td { border-bottom: 1px solid #e5e5e5; padding: 4px 8px; text-align: left; vertical-align: top; }
table.cppcc th { background: #fafafa; white-space: nowrap; }
table.cppcc td.short { white-space: nowrap; }
div.hit { margin: 0 0 14px 0; } div.hit .meta { color: #666; font-size: 0.85rem; }
div.body p { text-indent: 2em; line-height: 1.9; margin: 0 0 0.6em 0; }
</style>"""


class Warehouse:
    """One reader connection for the app's lifetime, one query at a time (DuckDB connections are not thread-safe;
    Streamlit runs each session's script on a thread of its own). A long-lived reader sees every new commit.
    Each page's queries run within the query time and memory limits of `cppcc query`."""

    def __init__(self, settings: Settings):
        self._stack = ExitStack()
        self.limits = settings.query_limits
        self.con = self._stack.enter_context(sandbox.reader(settings.lake, self.limits))
        self.lock = threading.Lock()

    def __call__(self, fn, *args, **kwargs):
        with self.lock, sandbox.limited(self.con, self.limits):
            return fn(self.con, *args, **kwargs)


@st.cache_resource
def warehouse() -> Warehouse:
    settings = Settings(**CONFIG["settings"]) if "settings" in CONFIG else load_settings()
    return Warehouse(settings)


# ---------------------------------------------------------------- rendering helpers

def link(label: str | None, href: str) -> str:
    return f'<a href="{html.escape(href)}" target="_self">{html.escape(label or "(untitled)")}</a>'


def article_link(article_id: str, label: str | None) -> str:
    return link(label, f"article?id={article_id}")


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "✓" if value else ""
    return html.escape(str(value))


WRAPPED = {"title", "title_html", "reason", "sentence", "context", "link", "source_name", "session"}


def table(rows: list[dict], columns: dict[str, str], raw: set[str] = frozenset()) -> None:
    """An HTML table (columns: key -> header); the keys in `raw` hold HTML already. Only texts wrap."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in columns.values())
    body = "".join("<tr>" + "".join(f'<td{"" if k in WRAPPED else " class=short"}>{r[k] if k in raw else cell(r[k])}</td>'
                                    for k in columns) + "</tr>" for r in rows)
    st.markdown(f'<table class="cppcc"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>',
                unsafe_allow_html=True)


def with_links(frame: pl.DataFrame, label: str = "headline") -> list[dict]:
    rows = frame.to_dicts()
    for r in rows:
        r["link"] = article_link(r["article_id"], r.get(label))
    return rows


def data_docs_link() -> str | None:
    port = CONFIG.get("docs_port")
    if not port:
        return None
    host = (st.context.headers.get("Host") or "127.0.0.1").rsplit(":", 1)[0]
    return f"http://{host}:{port}/index.html"


# ---------------------------------------------------------------- pages

def overview() -> None:
    wh = warehouse()
    st.title("重庆政协报 · 区县版 warehouse")
    t = wh(data.totals)
    cols = st.columns(5)
    for col, (label, key) in zip(cols, [("pages", "pages"), ("articles", "articles"), ("proposals", "proposals"),
                                        ("metrics", "metrics"), ("quarantined files", "quarantined")]):
        col.metric(label, f"{t[key]:,}")
    if t["first_issue"]:
        st.caption(f"Issues from {t['first_issue']} to {t['last_issue']}.")
    docs = data_docs_link()
    if docs:
        st.markdown(f'Validation results of every run: <a href="{docs}" target="_blank">Great Expectations Data Docs</a>',
                    unsafe_allow_html=True)
    left, right = st.columns(2)
    with left:
        st.subheader("Articles per district")
        per_district = wh(data.articles_per_district)
        st.bar_chart(per_district.to_pandas(), x="district", y="articles", horizontal=True, sort="-articles",
                     height=max(340, 22 * per_district.height))
    with right:
        st.subheader("Articles per month")
        st.bar_chart(wh(data.articles_per_month).to_pandas(), x="month", y="articles", height=340)
    st.subheader("Last runs")
    table(wh(data.recent_runs).to_dicts(), {"started_at": "started", "run_id": "run", "status": "status",
                                            "files_seen": "files seen", "loaded": "loaded",
                                            "quarantined": "quarantined", "articles_added": "articles added",
                                            "reason": "reason"})
    st.subheader("Quarantined files")
    held = wh(data.quarantined_files)
    if held.height:
        table(held.to_dicts(), {"detected_at": "when", "source_name": "file", "stage": "stage", "reason": "reason",
                                "run_id": "run"})
    else:
        st.write("None.")


def search() -> None:
    wh = warehouse()
    st.title("Search")
    q = st.text_input("Words to find (every word must appear; the exact phrase ranks first)",
                      value=st.query_params.get("q", ""), placeholder="古镇保护, 养老 提案 …")
    if not q:
        return
    st.query_params["q"] = q
    try:
        total, hits = wh(data.search_articles, q)
        ptotal, phits = wh(data.search_proposals, q)
    except data.SearchRefused as exc:
        st.info(str(exc))
        return
    if ptotal:
        st.subheader(f"Proposals: {ptotal:,}")
        rows = phits.to_dicts()
        for r in rows:
            r["title_html"] = data.highlight_terms(r["title"], q)
            r["where"] = article_link(r["article_id"], r["district_name"])
        table(rows, {"title_html": "title", "kind": "kind", "proposer": "proposer", "status": "status",
                     "issue_date": "issue", "where": "article"}, raw={"title_html", "where"})
    st.subheader(f"Articles: {total:,}" + (f" (the best {hits.height})" if total > hits.height else ""))
    for r in hits.to_dicts():
        badge = " · exact phrase" if r["exact"] else ""
        st.markdown(
            f'<div class="hit"><div>{article_link(r["article_id"], r["headline"])}</div>'
            f'<div class="meta">{cell(r["issue_date"])} · {cell(r["district_name"])} · score {r["score"]:.2f}{badge}</div>'
            f'<div>{data.highlight_terms(r["snippet"], q)}</div></div>', unsafe_allow_html=True)


def district() -> None:
    wh = warehouse()
    names = wh(data.districts)
    options = names["district_code"].to_list()
    labels = {c: f"{n} ({a:,})" for c, n, a in names.iter_rows()}
    wanted = st.query_params.get("code")
    chosen = st.selectbox("District", options, index=options.index(wanted) if wanted in options else 0,
                          format_func=labels.get)
    st.query_params["code"] = chosen
    name = labels[chosen].rsplit(" (", 1)[0]
    st.title(name)
    months = wh(data.district_months, chosen)
    if months.height:
        st.subheader("Articles, proposals and metrics per month")
        st.line_chart(months.to_pandas(), x="month", y=["articles", "proposals", "metrics"], height=300)
    tab_articles, tab_proposals, tab_metrics = st.tabs(["Articles", "Proposals", "Metrics"])
    with tab_articles:
        table(with_links(wh(data.district_articles, chosen)),
              {"issue_date": "issue", "link": "headline", "kind": "kind", "char_count": "characters"}, raw={"link"})
    with tab_proposals:
        found = wh(data.proposals, district_code=chosen)
        rows = found.to_dicts()
        for r in rows:
            r["first"] = article_link(r["article_ids"][0], cell(r["first_issue"]) or "article")
            r["last"] = article_link(r["article_ids"][-1], cell(r["last_issue"]) or "article")
        table(rows, {"title": "title", "kind": "kind", "proposer": "proposer", "status": "status",
                     "first": "first named", "last": "last named", "mentions": "articles"}, raw={"first", "last"})
    with tab_metrics:
        table(with_links(wh(data.district_metrics, chosen)),
              {"issue_date": "issue", "surface": "as written", "unit": "unit", "subject": "subject",
               "sentence": "sentence", "link": "article"}, raw={"link"})


def _choice(label: str, values: list, key: str):
    options = [ANY, *values]
    wanted = st.query_params.get(key)
    index = next((i for i, v in enumerate(options) if str(v) == wanted), 0)
    value = st.selectbox(label, options, index=index, key=key)
    if value == ANY:
        st.query_params.pop(key, None)
        return None
    st.query_params[key] = str(value)
    return value


def proposals() -> None:
    wh = warehouse()
    st.title("Proposals")
    choices = wh(data.proposal_choices)
    cols = st.columns(4)
    with cols[0]:
        district_name = _choice("District", choices["district"], "district")
    with cols[1]:
        kind = _choice("Kind", choices["kind"], "kind")
    with cols[2]:
        status = _choice("Status", choices["status"], "status")
    with cols[3]:
        year = _choice("Year", choices["year"], "year")
    found = wh(data.proposals, district_name, kind, status, year)
    st.download_button(f"Download these {found.height:,} as CSV", data.proposals_csv(found),
                       file_name="proposals.csv", mime="text/csv")
    if found.height > data.TABLE_LIMIT:
        st.caption(f"Showing the latest {data.TABLE_LIMIT} of {found.height:,}; the CSV has them all.")
    rows = found.head(data.TABLE_LIMIT).to_dicts()
    for r in rows:
        r["first"] = article_link(r["article_ids"][0], cell(r["first_issue"]) or "article")
        r["last"] = article_link(r["article_ids"][-1], cell(r["last_issue"]) or "article")
    table(rows, {"title": "title", "district_name": "district", "kind": "kind", "proposer": "proposer",
                 "session": "session", "status": "status", "year": "year", "first": "first named",
                 "last": "last named", "mentions": "articles"}, raw={"first", "last"})


def metrics() -> None:
    wh = warehouse()
    st.title("Metrics")
    choices = wh(data.metric_choices)
    cols = st.columns(3)
    with cols[0]:
        unit = _choice("Unit", choices["unit"], "unit")
    with cols[1]:
        subject = st.text_input("Subject contains", value=st.query_params.get("subject", "")) or None
        if subject:
            st.query_params["subject"] = subject
        else:
            st.query_params.pop("subject", None)
    with cols[2]:
        district_name = _choice("District", choices["district"], "district")
    total, found = wh(data.metrics, unit, subject, district_name)
    st.caption(f"{total:,} metrics" + (f"; the latest {found.height} below" if total > found.height else ""))
    rows = with_links(found)
    for r in rows:
        r["context"] = data.highlight_terms(r["sentence"], r["surface"])
    table(rows, {"issue_date": "issue", "surface": "as written", "unit": "unit", "qualifier": "qualifier",
                 "subject": "subject", "context": "sentence", "district_name": "district", "link": "article"},
          raw={"context", "link"})


def article() -> None:
    wh = warehouse()
    wanted = st.query_params.get("id") or st.text_input("Article id (e.g. from a search result)")
    if not wanted:
        return
    found = wh(data.article, wanted)
    if found is None:
        st.warning(f"No article {wanted!r} in the warehouse.")
        return
    a = found.fields
    if a["kicker"]:
        st.caption(a["kicker"])
    st.title(a["headline"] or "(untitled)")
    where = link(a["district_name"], f"district?code={a['district_code']}") if a["district_code"] else ""
    st.markdown(f"{cell(a['issue_date'])} · {where} · {a['kind']}" + (f" · {cell(a['column_name'])}" if a["column_name"] else ""),
                unsafe_allow_html=True)
    credits = [(label, a[key]) for label, key in (("记者", "reporters"), ("通讯员", "correspondents"),
                                                  ("作者", "authors"), ("摄影", "photographers")) if a[key]]
    if credits:
        st.markdown(" · ".join(f"{label} {'、'.join(map(html.escape, names))}" for label, names in credits))
    st.markdown(f'<div class="body">{data.highlight_spans(a["body"], found.metrics)}</div>', unsafe_allow_html=True)
    if found.metrics:
        st.subheader(f"Metrics ({len(found.metrics)})")
        table(found.metrics, {"surface": "as written", "value": "value", "unit": "unit", "qualifier": "qualifier",
                              "subject": "subject"})
    if found.proposals:
        st.subheader("Proposals named")
        table(found.proposals, {"title": "title", "kind": "kind", "proposer": "proposer", "session": "session",
                                "status": "status"})
    st.caption(f"{a['article_id']} · page {a['source_name']}")


PAGES = [st.Page(overview, title="Overview", default=True),
         st.Page(search, title="Search", url_path="search"),
         st.Page(district, title="District", url_path="district"),
         st.Page(proposals, title="Proposals", url_path="proposals"),
         st.Page(metrics, title="Metrics", url_path="metrics"),
         st.Page(article, title="Article", url_path="article")]


def main() -> None:
    st.set_page_config(page_title="cppcc explore", page_icon="📰", layout="wide")
    st.markdown(CSS, unsafe_allow_html=True)
    page = st.navigation(PAGES)
    try:
        page.run()
    except WarehouseError as exc:
        st.error(str(exc))
    except duckdb.CatalogException as exc:     # a warehouse from before the views: the next run creates them
        st.error(f"{str(exc).splitlines()[0]} — the warehouse predates its views and search macros; the next "
                 f"`cppcc run` that loads pages creates them.")
    st.markdown(f'<div data-cppcc-ready="{page.url_path or "overview"}"></div>', unsafe_allow_html=True)


main()
