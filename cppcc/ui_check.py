"""`make ui-check`: start a Prefect server, run the flow against it, and look at what a person would see in
headless Chromium with the network blocked except 127.0.0.1: the flow-runs page (the run's name must be on it),
every `cppcc explore` page (a known headline, a proposal title and a chart must appear; no request may leave
the machine) and the run's Data Docs index. Screenshots go to data/ui-check-*.png."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from .generate import write_pages
from .prefect_server import free_port, latest_flow_run, running_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                  "--window-size=1440,900", "--virtual-time-budget=20000"]


def chromium(url: str, profile: Path, *args: str) -> str:
    result = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr[-500:]}")
    return result.stdout


# Every host but this machine is unreachable: no proxy answers, and names resolve nowhere.
OFFLINE_FLAGS = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1;localhost",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "http://localhost", "ws://localhost", "data:", "blob:", "about:")


@dataclass
class Visit:
    path: str
    seconds: float
    text: str
    screenshot: Path | None


@dataclass
class Browser:
    """Headless Chromium through Playwright, recording every request that would leave the machine."""
    page: object
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def visit(self, url: str, ready: str, screenshot: Path | None = None, timeout: float = 60) -> Visit:
        """Open `url`, wait for the CSS selector `ready`; the seconds it took and the page's text."""
        started = time.perf_counter()
        self.page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        self.page.wait_for_selector(ready, state="attached", timeout=timeout * 1000)
        seconds = time.perf_counter() - started
        if screenshot is not None:
            self.page.wait_for_timeout(300)            # charts finish drawing
            self.page.screenshot(path=str(screenshot), full_page=True)
        return Visit(url, seconds, self.page.inner_text("body"), screenshot)


@contextmanager
def browser(profile: Path):
    from playwright.sync_api import sync_playwright

    flags = [f for f in CHROMIUM_FLAGS if f not in ("--headless", "--virtual-time-budget=20000")]
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=flags + OFFLINE_FLAGS,
            viewport={"width": 1440, "height": 900}, locale="zh-CN")
        try:
            page = context.pages[0] if context.pages else context.new_page()
            b = Browser(page)
            page.on("request", lambda r: None if r.url.startswith(LOCAL) else b.outside.append(r.url))
            page.on("requestfailed", lambda r: b.failed.append(f"{r.url} ({r.failure})")
                    if r.url.startswith(LOCAL[:4]) and "/_stcore/" not in r.url else None)
            yield b
        finally:
            context.close()


EXPLORE_READY = "[data-cppcc-ready]"


def explore_pages(con) -> dict[str, tuple[str, list[str]]]:
    """name -> (path, texts that must be on it), from what the warehouse holds."""
    article_id, headline, code = con.execute(
        "SELECT article_id, headline, district_code FROM articles WHERE length(headline) >= 4 "
        "AND article_id IN (SELECT article_id FROM metrics) ORDER BY article_id LIMIT 1").fetchone()
    title = con.execute("SELECT title FROM proposal_tracker ORDER BY last_issue DESC NULLS LAST, title LIMIT 1").fetchone()[0]
    surface = con.execute("SELECT surface FROM metric_facts ORDER BY issue_date DESC NULLS LAST, metric_id LIMIT 1").fetchone()[0]
    from urllib.parse import quote

    return {"overview": ("/", ["Articles per district", "Last runs"]),
            "search": (f"/search?q={quote(headline)}", [headline]),
            "district": (f"/district?code={code}", [headline]),
            "proposals": ("/proposals", [title]),
            "metrics": ("/metrics", [surface]),
            "article": (f"/article?id={article_id}", [headline])}


def check_explore(settings, data_dir: Path, profile: Path, run_id: str) -> dict[str, float]:
    """Every explore page and the Data Docs index; seconds per page. Raises unless each shows what it must."""
    from warehouse import sandbox

    from .explore import running

    with sandbox.reader(settings.lake) as con:
        pages = explore_pages(con)
    with running(settings, port=free_port()) as (proc, url, docs), browser(profile) as b:
        _wait_for_app(proc, url)
        seconds, problems = {}, []
        for name, (path, expected) in pages.items():
            visit = b.visit(url + path, EXPLORE_READY, data_dir / f"ui-check-explore-{name}.png")
            seconds[name] = visit.seconds
            problems += [f"{name}: {text!r} is not on {path}" for text in expected if text not in visit.text]
            if name == "overview":
                charts = b.page.locator("[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg")
                if charts.count() == 0:
                    problems.append("overview: no chart was drawn")
                if run_id not in visit.text:
                    problems.append(f"overview: the run {run_id} is not among the last runs")
            if name == "article" and b.page.locator("div.body mark").count() == 0:
                problems.append("article: no metric is highlighted in the body")
        visit = b.visit(docs, "table, .ge-index-page-site-name-title, nav", data_dir / "ui-check-datadocs.png")
        seconds["data docs"] = visit.seconds
        if run_id not in visit.text:
            problems.append(f"Data Docs index: the run {run_id} is not listed")
        problems += [f"a request left the machine: {u}" for u in b.outside]
        problems += [f"a local resource failed: {u}" for u in b.failed]
    if problems:
        raise RuntimeError("; ".join(problems))
    return seconds


def _wait_for_app(proc, url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"cppcc explore exited with {proc.returncode}: {proc.stdout.read()[-500:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"cppcc explore did not answer at {url} within {timeout:.0f} s")


def ui_check(data_dir: Path) -> Path:
    """Returns the screenshot's path; raises if the run's name is not on the flow-runs page."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (or set CHROMIUM)")
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, running_server(Path(scratch) / "prefect") as api_url:
        inbox = Path(scratch) / "inbox"
        write_pages(inbox, 5, seed=2)
        env = {**os.environ, "PREFECT_API_URL": api_url, "CPPCC_SETTLE_SECONDS": "0", "CPPCC_DATA": scratch,
               "CPPCC_INBOX": str(inbox)}
        subprocess.run([sys.executable, "-m", "cppcc.cli", "run"], env=env, check=True, capture_output=True)
        run_name = latest_flow_run(api_url)["name"]
        page = api_url.removesuffix("/api") + "/runs"
        profile = Path(scratch) / "chromium"
        screenshot = (data_dir / "ui-check-flow-runs.png").resolve()
        chromium(page, profile, f"--screenshot={screenshot}")
        dom = chromium(page, profile, "--dump-dom")
        if run_name not in dom:
            raise RuntimeError(f"flow run {run_name!r} is not on {page} (screenshot: {screenshot})")
        print(f"flow run {run_name!r} is on the flow-runs page; screenshot: {screenshot}")
        from .settings import load_settings
        from warehouse import sandbox

        settings = load_settings(data=Path(scratch), inbox=str(inbox))
        with sandbox.reader(settings.lake) as con:
            run_id = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
        seconds = check_explore(settings, data_dir.resolve(), Path(scratch) / "chromium-explore", run_id)
    print("explore pages and the Data Docs index show what they must, nothing requested off the machine: "
          + ", ".join(f"{name} {s:.2f} s" for name, s in seconds.items()) + f"; screenshots in {data_dir}/ui-check-*.png")
    return screenshot


if __name__ == "__main__":
    ui_check(Path(sys.argv[1] if len(sys.argv) > 1 else "data"))
