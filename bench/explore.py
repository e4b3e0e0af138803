"""Search, explorer and per-run figures for `make bench` (bench/run.py step `explore`), on the 10,000-page
warehouse the `runs` step built: search latency (median, p95) and how often the exact phrase ranks first,
each `cppcc explore` page's load time in headless Chromium, and what charts and Data Docs add to a run.

    python bench/explore.py WAREHOUSE DATA_FOLDER      # the figures as JSON, on any warehouse
"""
from __future__ import annotations

import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUERIES = 150
PAGE_TARGET_SECONDS = 2.0


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
    """Seconds from navigation to the page's end marker, three loads of each page (a new session each)."""
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
        for _ in range(3):
            for name, (path, _expected) in pages.items():
                out.setdefault(name, []).append(b.visit(url + path, EXPLORE_READY).seconds)
    return out


CHARTS_SCRIPT = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
from flows.summary import RunSummary
s = RunSummary(source="inbox")
if sys.argv[2] == "charts":
    s.count_districts(["江津区"] * 30 + ["永川区"] * 12 + ["涪陵区"] * 7)
    s.quarantined = [("a", "parse", "x"), ("b", "validate", "y")]
s.markdown()
print(time.perf_counter() - started)
"""

DOCS_SCRIPT = r"""
import hashlib, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import expectations
from cppcc.generate import generate_page
from flows.batch import build_frames
from flows.parsed import ParsedPage
from flows.sources import SourcePage
from transforms.page import parse_page
expectations.warm_up()
expectations.keep_results_for_docs()
def batch(first):
    pages = []
    for i in range(first, first + 20):
        h = hashlib.sha256(str(i).encode()).hexdigest()
        pages.append(ParsedPage(SourcePage(f"p{i}.txt", h), raw=b"x", rows=parse_page(generate_page(i).text, f"p{i}.txt", h)))
    return build_frames(pages).tables
with tempfile.TemporaryDirectory() as folder:
    seconds = []
    for night in range(int(sys.argv[2])):
        expectations.validate_batch(batch(night * 20), {})
        started = time.perf_counter()
        expectations.build_docs(Path(folder), f"night-{night:03d}")
        seconds.append(time.perf_counter() - started)
print(" ".join(map(str, seconds)))
"""


def run_costs() -> dict:
    """Seconds charts add to a run's summary (a fresh interpreter, with and without something to chart), and
    seconds Data Docs add to a night of 20 pages (first night, and the 30th, with 29 runs in the index)."""
    def best(*args: str) -> float:
        return min(float(subprocess.run([sys.executable, "-c", CHARTS_SCRIPT, str(ROOT), *args], capture_output=True,
                                        text=True, check=True).stdout) for _ in range(3))

    docs = [float(s) for s in subprocess.run([sys.executable, "-c", DOCS_SCRIPT, str(ROOT), "30"], capture_output=True,
                                             text=True, check=True).stdout.split()]
    return {"charts": best("charts") - best("none"), "docs_first": docs[0], "docs_30th": docs[-1]}


def measure(settings) -> dict:
    print("search, explore pages, charts and Data Docs", flush=True)
    return {"search": search_figures(settings), "pages": page_loads(settings), "run_costs": run_costs()}


def report(figures: dict) -> list[str]:
    s, pages, costs = figures["search"], figures["pages"], figures["run_costs"]
    slowest = max(max(v) for v in pages.values())
    lines = ["## Search, the explorer, charts and Data Docs", "",
             f"`search_articles(q)` over {s['articles']:,} articles (the 10,000-page warehouse), {s['queries']} queries "
             "taken from the articles (half one term of 2–6 characters, half two terms that stand together somewhere), "
             "one sandboxed reader connection, `LIMIT 50`:", "",
             "| median | p95 | max | exact phrase ranked first |", "|---|---|---|---|",
             f"| {s['median'] * 1000:.0f} ms | {s['p95'] * 1000:.0f} ms | {s['max'] * 1000:.0f} ms "
             f"| {s['phrase_first']} of the {s['with_phrase']} queries whose phrase is in some article |", "",
             f"`cppcc explore`, each page opened in headless Chromium three times (navigation to the page's end marker; "
             f"target < {PAGE_TARGET_SECONDS:.0f} s):", "", "| page | loads (s) | met |", "|---|---|---|"]
    for name, seconds in pages.items():
        lines.append(f"| {name} | {', '.join(f'{x:.2f}' for x in seconds)} "
                     f"| {'yes' if max(seconds) < PAGE_TARGET_SECONDS else '**no**'} |")
    lines += ["", f"Slowest load {slowest:.2f} s.", "",
              f"Per run: the summary's charts add {costs['charts']:.2f} s (matplotlib's import and two PNGs, only when "
              f"the run added or quarantined something); Data Docs add {costs['docs_first']:.2f} s to the first night "
              f"and {costs['docs_30th']:.2f} s to the 30th (its pages and the index of the 30 runs kept), in the "
              "validator process at the end of the run.", ""]
    return lines


if __name__ == "__main__":
    from cppcc.settings import Settings

    settings = Settings(warehouse=sys.argv[1], data=Path(sys.argv[2]))
    figures = measure(settings)
    print(json.dumps(figures, indent=1))
    print("\n".join(report(figures)))
