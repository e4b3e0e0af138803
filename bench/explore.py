"""Search, explorer and per-run figures for `make bench` (step `explore`), on the 10,000-page warehouse the
`runs` step built: search latency (median, p95) and how often the exact phrase ranks first, each `cppcc explore`
page's load time in headless Chromium, and what charts and Data Docs add to a run (`bench.summary_charts`,
`bench.datadocs`, each in a fresh interpreter).

    python -m bench.explore WAREHOUSE DATA_FOLDER      # the figures as JSON, on any warehouse
"""
from __future__ import annotations

import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import print_json, program

QUERIES = 150
PAGE_LOADS = 3
PAGE_TARGET_SECONDS = 2.0
DOCS_NIGHTS = 30


def search_queries(con, n: int = QUERIES, seed: int = 7) -> list[tuple[str, str]]:
    """(query, phrase) pairs from the articles: half one term (2–6 characters of a body), half two terms that
    stand together in some article (a 4-character run split in two), so the phrase exists."""
    rng = random.Random(seed)
    bodies = [r[0] for r in con.execute("SELECT body FROM articles USING SAMPLE 400 ROWS (reservoir, 7)").fetchall()]
    runs = [m.group() for b in bodies for m in re.finditer(r"[^\W\d_]{4,}", b)]
    out = []
    for i in range(n):
        run = rng.choice(runs)
        if i % 2:
            start = rng.randrange(0, len(run) - 3)
            out.append((f"{run[start:start + 2]} {run[start + 2:start + 4]}", run[start:start + 4]))
        else:
            size = rng.randint(2, min(6, len(run)))
            start = rng.randrange(0, len(run) - size + 1)
            out.append((run[start:start + size], run[start:start + size]))
    return out


def search_figures(settings) -> dict:
    from warehouse import sandbox

    with sandbox.reader(settings.lake) as con:
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        queries = search_queries(con)
        con.execute("SELECT * FROM search_articles('政协') LIMIT 1").fetchall()          # warm
        latencies, first, with_phrase = [], 0, 0
        for q, phrase in queries:
            started = time.perf_counter()
            rows = con.execute("SELECT article_id, exact FROM search_articles(?) LIMIT 50", [q]).fetchall()
            latencies.append(time.perf_counter() - started)
            has_phrase = con.execute("SELECT count(*) FROM articles WHERE contains(concat_ws(chr(10), headline, "
                                     "kicker, body), ?)", [phrase]).fetchone()[0]
            if has_phrase:
                with_phrase += 1
                first += bool(rows) and rows[0][1]
    latencies.sort()
    return {"articles": articles, "queries": len(queries), "median": statistics.median(latencies),
            "p95": latencies[int(0.95 * (len(latencies) - 1))], "max": latencies[-1],
            "with_phrase": with_phrase, "phrase_first": first}


def page_loads(settings) -> dict[str, list[float]]:
    """Seconds from navigation to the page's end marker, PAGE_LOADS loads of each page (a new session each)."""
    from cppcc.explore import running
    from cppcc.prefect_server import free_port
    from cppcc.ui_check import EXPLORE_READY, _wait_for_app, browser, explore_pages
    from warehouse import sandbox

    with sandbox.reader(settings.lake) as con:
        pages = explore_pages(con)
    out: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as profile, running(settings, port=free_port()) as (proc, url, _), \
            browser(Path(profile)) as b:
        _wait_for_app(proc, url)
        b.visit(url + "/", EXPLORE_READY)                    # the app's first run imports and connects
        for _ in range(PAGE_LOADS):
            for name, (path, _expected) in pages.items():
                out.setdefault(name, []).append(b.visit(url + path, EXPLORE_READY).seconds)
    return out


def run_costs() -> dict:
    """Seconds charts add to a run's summary (a fresh interpreter, with and without something to chart, best of
    three), and seconds Data Docs add to a night of 20 pages (first night, and the 30th, with 29 runs in the index)."""
    def best(what: str) -> float:
        return min(program("summary_charts", what)["seconds"] for _ in range(3))

    docs = program("datadocs", str(DOCS_NIGHTS))
    return {"charts": best("charts") - best("none"), "docs_first": docs["seconds"][0], "docs_last": docs["seconds"][-1],
            "docs_nights": len(docs["seconds"]), "docs_pages_per_night": docs["pages_per_night"]}


def measure(settings) -> dict:
    print("search, explore pages, charts and Data Docs", flush=True)
    return {"search": search_figures(settings), "pages": page_loads(settings), "run_costs": run_costs()}


def report(figures: dict) -> list[str]:
    s, pages, costs = figures["search"], figures["pages"], figures["run_costs"]
    loads = len(next(iter(pages.values())))
    lines = ["## Search, the explorer, charts and Data Docs", "",
             "`search_articles(q)` over the warehouse's articles, queries taken from the articles (half one term, "
             "half two terms that stand together somewhere), one sandboxed reader connection, `LIMIT 50`:", "",
             "| articles | queries | median | p95 | max | exact phrase ranked first |", "|---|---|---|---|---|---|",
             f"| {s['articles']:,} | {s['queries']} | {s['median'] * 1000:.0f} ms | {s['p95'] * 1000:.0f} ms "
             f"| {s['max'] * 1000:.0f} ms | {s['phrase_first']} of the {s['with_phrase']} queries whose phrase is "
             "in some article |", "",
             f"`cppcc explore`, each page opened {loads} times in headless Chromium (navigation to the page's end "
             "marker), against the target:", "", "| page | loads (s) | slowest | target | met |", "|---|---|---|---|---|"]
    for name, seconds in pages.items():
        lines.append(f"| {name} | {', '.join(f'{x:.2f}' for x in seconds)} | {max(seconds):.2f} s "
                     f"| < {PAGE_TARGET_SECONDS:.0f} s | {'yes' if max(seconds) < PAGE_TARGET_SECONDS else '**no**'} |")
    lines += ["", "What the summary's charts and the Data Docs add to a run (charts: only when the run added or "
              "quarantined something; Data Docs: built in the validator process at the end of the run):", "",
              "| per run | seconds |", "|---|---|",
              f"| charts in the summary (matplotlib's import and two PNGs) | {costs['charts']:.2f} |"]
    if "docs_last" in costs:
        lines += [f"| Data Docs, first night of {costs['docs_pages_per_night']} pages | {costs['docs_first']:.2f} |",
                  f"| Data Docs, night {costs['docs_nights']} ({costs['docs_nights']} runs in the index) "
                  f"| {costs['docs_last']:.2f} |"]
    else:                 # figures recorded before the nights were counted
        lines += [f"| Data Docs, first night | {costs['docs_first']:.2f} |",
                  f"| Data Docs, 30th night | {costs['docs_30th']:.2f} |"]
    return lines + [""]


if __name__ == "__main__":
    from cppcc.settings import Settings

    figures = measure(Settings(warehouse=sys.argv[1], data=Path(sys.argv[2])))
    print("\n".join(report(figures)), file=sys.stderr)
    print_json(figures)
