"""The parse time budget (CPPCC_PARSE_BUDGET_SECONDS, flows/budget.py): a page whose parsing takes longer (CPU
time) is set aside at stage `parse` ("took longer than N s") while the others of its chunk parse; wherever the
parse runs — a process's main thread (a parsing process: SIGPROF), another thread (in-process parsing on a Prefect
or Dask worker thread: an asynchronous exception) — and never an interruption outside the budgeted block."""
import multiprocessing
import re
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from cppcc.generate import write_pages
from flows import parse_worker
from flows.budget import OverBudget, time_budget
from flows.parsed import parse_chunk
from flows.sources import plan_inbox

SLOW_MARK = "【test: slow to parse】"
BUDGET = 0.5


def spin(seconds: float) -> None:
    """Python busy for `seconds` (what a pathological pattern would be, without its C call)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def in_thread(fn):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def timed(fn) -> tuple[str, float]:
    started = time.monotonic()
    try:
        fn()
        outcome = "finished"
    except OverBudget:
        outcome = "over budget"
    return outcome, time.monotonic() - started


def cpu_timed(fn) -> tuple[str, float]:
    """(outcome, CPU seconds of this thread)."""
    started = time.thread_time()
    outcome, _ = timed(fn)
    return outcome, time.thread_time() - started


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_a_block_over_its_budget_is_stopped_at_the_budget(where):
    def budgeted():
        with time_budget(BUDGET):
            spin(30)

    outcome, cpu = cpu_timed(budgeted) if where == "main thread" else in_thread(lambda: cpu_timed(budgeted))
    assert outcome == "over budget"
    assert BUDGET - 0.05 <= cpu < BUDGET + 0.5, f"stopped after {cpu:.2f} CPU seconds"


def test_in_the_main_thread_even_a_regular_expression_is_cut_short():
    """`re` checks for signals as it matches: a pathological pattern does not run to its end."""
    def budgeted():
        with time_budget(BUDGET):
            re.match(r"(a+)+$", "a" * 40 + "b")       # 2**40 steps

    outcome, cpu = cpu_timed(budgeted)
    assert outcome == "over budget" and cpu < BUDGET + 0.5


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_the_budget_is_cpu_time_a_page_waiting_for_a_core_is_not_cut(where):
    """On a busy machine a page waits for a core: waiting is not parsing (the same sleep is what a loaded
    machine looks like to the parse)."""
    def budgeted():
        with time_budget(BUDGET):
            time.sleep(BUDGET * 3)

    outcome, _ = timed(budgeted) if where == "main thread" else in_thread(lambda: timed(budgeted))
    assert outcome == "finished"


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_a_block_within_its_budget_leaves_nothing_behind(where):
    """Hundreds of blocks that end right about their budget: an interruption arrives inside its block or not
    at all, never afterwards in the code that follows."""
    def many():
        stopped = 0
        for i in range(400):
            try:
                with time_budget(0.004):
                    spin(0.004 * (i % 3))           # none, the budget (CPU timers tick every few ms), twice it
            except OverBudget:
                stopped += 1
        spin(0.2)                                   # an interruption still on its way would land here
        return stopped

    stopped = many() if where == "main thread" else in_thread(many)
    assert 0 < stopped < 400
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0), "no alarm left armed"


@pytest.fixture
def pages(tmp_path):
    """Six generated pages; the third is slow to parse (the parser spins on the mark `slow_parser` looks for)."""
    write_pages(tmp_path, 6, seed=71)
    slow = sorted(tmp_path.iterdir())[2]
    slow.write_text(slow.read_text(encoding="utf-8") + "\n" + SLOW_MARK + "\n", encoding="utf-8")
    return plan_inbox(tmp_path, {}, {}).new, slow.name


def slow_parser(real):
    def parse(text, name, sha):
        if SLOW_MARK in text:
            spin(30)
        return real(text, name, sha)
    return parse


def outcomes(parsed) -> dict[str, tuple]:
    return {p.page.name: (p.stage, p.reason) for p in parsed}


def check_outcomes(parsed, slow: str, seconds: float) -> None:
    got = outcomes(parsed)
    assert got.pop(slow) == ("parse", f"took longer than {BUDGET:g} s")
    assert set(got.values()) == {(None, None)}, got
    assert len(got) == 5 and all(p.rows is not None for p in parsed if p.page.name != slow)
    assert seconds < 15, f"the chunk took {seconds:.1f} s"


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_a_page_slow_to_parse_is_set_aside_and_the_others_parse(pages, monkeypatch, where):
    new, slow = pages
    monkeypatch.setattr(parse_worker, "parse_page", slow_parser(parse_worker.parse_page))
    started = time.monotonic()
    run = lambda: parse_chunk(new, 2_000_000, BUDGET)           # noqa: E731
    parsed = run() if where == "main thread" else in_thread(run)
    check_outcomes(parsed, slow, time.monotonic() - started)


def test_in_a_parsing_process_too(pages, monkeypatch):
    """A worker process (forked here, so that it has the slow parser) parses in its main thread: SIGPROF."""
    new, slow = pages
    monkeypatch.setattr(parse_worker, "parse_page", slow_parser(parse_worker.parse_page))
    started = time.monotonic()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        parsed = pool.submit(parse_chunk, new, 2_000_000, BUDGET).result()
    check_outcomes(parsed, slow, time.monotonic() - started)


def test_without_a_budget_nothing_is_cut(pages):
    new, _ = pages
    assert {p.stage for p in parse_chunk(new, 2_000_000, None)} == {None}
    assert threading.active_count() >= 1


@pytest.mark.parametrize("workers", ["2", "1"])
def test_a_run_sets_aside_a_page_over_its_budget_and_loads_the_rest(prefect_api, tmp_path, workers):
    """Through `cppcc run`: a real page, large enough to take about a second of CPU time, over a budget of 0.3 s —
    parsed by the parsing processes (2 workers) and in the run's own process (1)."""
    from cppcc.generate import generate_page
    from test_operations import cppcc
    from warehouse import sandbox
    from conftest import make_settings

    inbox = tmp_path / "inbox"
    write_pages(inbox, 5, seed=72)
    text = generate_page(73).text
    (inbox / "huge.txt").write_text((text * (600_000 // len(text) + 1))[:600_000], encoding="utf-8")
    result = cppcc(prefect_api, tmp_path, "run", CPPCC_PARSE_BUDGET_SECONDS="0.3", CPPCC_WORKERS=workers)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loaded 5, quarantined 1" in result.stdout, result.stdout
    assert "quarantined huge.txt at parse: took longer than 0.3 s" in result.stdout + result.stderr
    rows = sandbox.query(make_settings(tmp_path).lake, "SELECT source_name, stage, reason FROM quarantine")[1]
    assert rows == [("huge.txt", "parse", "took longer than 0.3 s")]
    assert (tmp_path / "data" / "quarantine" / "huge.txt").exists()
