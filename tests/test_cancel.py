"""SIGTERM and SIGINT to `cppcc run` at ten moments, from start-up through the flow run's start, parsing,
validation and commits to housekeeping (flows/cancel.py): each time the command leaves within seconds with one
line and exit 1, no process it started survives it, a run whose flow started is recorded Cancelled (its `runs`
row and its Prefect flow run) while one stopped before is not recorded at all, and a normal run afterwards leaves
every table equal to a clean run's, with no stray files.

The signal goes three ways in turn: SIGTERM to the run's process alone (`kill PID`), SIGTERM to its whole process
group (what systemd sends to a service), SIGINT to the group (Ctrl-C in a terminal). Two trials run without a
Prefect server, so the run starts a throwaway one, which must not outlive it either."""
import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest

from conftest import make_settings, table_rows
from cppcc.generate import write_pages
from flows.cancel import GRACE_SECONDS
from test_operations import cppcc, orphans, start_cppcc
from warehouse import sandbox

PAGES, BATCH = 12, "3"          # four batches
BEGAN = "Beginning flow run"
# (moment, what is awaited before the signal: seconds after the start, or (a line of the run's output, which
# occurrence of it)); the run logs at DEBUG level so that each task's start is a line.
MOMENTS = [
    ("start-up: the command loading", 0.5),
    ("start-up: plan, helpers, Prefect's import", 2.0),
    ("the flow run begins", (BEGAN, 1)),
    ("the flow starts: lock, catalog, plan", ("Executing flow 'nightly-ingest'", 1)),
    ("parsing the first batch", ("Executing task 'parse-pages'", 1)),
    ("validating the first batch", ("Executing task 'validate-batch'", 1)),
    ("committing the second batch", ("Executing task 'commit-batch'", 2)),
    ("validating the third batch", ("Executing task 'validate-batch'", 3)),
    ("committing the last batch", ("Executing task 'commit-batch'", 4)),
    ("housekeeping", ("Executing task 'housekeeping'", 1)),
]
THROWAWAY = {2, 7}              # trials run without a Prefect server: a throwaway one is started
HOW = [("SIGTERM", "process"), ("SIGTERM", "group"), ("SIGINT", "group")]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    inbox = tmp_path_factory.mktemp("cancel-corpus")
    write_pages(inbox, PAGES, seed=17)
    return inbox


def copy(corpus: Path, inbox: Path) -> None:
    inbox.mkdir(parents=True)
    for page in corpus.iterdir():
        (inbox / page.name).write_bytes(page.read_bytes())


@pytest.fixture(scope="module")
def clean(corpus, prefect_api, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("cancel-clean")
    copy(corpus, root / "inbox")
    result = cppcc(prefect_api, root, "run", CPPCC_BATCH_SIZE=BATCH)
    assert result.returncode == 0, result.stdout + result.stderr
    return table_rows(make_settings(root))


def read(log) -> str:
    log.seek(0)
    return log.read()


def tree(pid: int) -> set[psutil.Process]:
    try:
        return set(psutil.Process(pid).children(recursive=True))
    except psutil.NoSuchProcess:
        return set()


def alive(processes: set[psutil.Process]) -> list[str]:
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(f"{p.pid} {' '.join(p.cmdline()[:4])}")
        except psutil.NoSuchProcess:
            pass
    return out


def signal_at(proc: subprocess.Popen, when, name: str, to: str) -> tuple[float, set[psutil.Process], str]:
    """Wait for the moment (collecting the run's process tree meanwhile), send the signal; (the time it was
    sent, every process the run had started, the output so far)."""
    started, seen = time.monotonic(), set()
    while proc.poll() is None:
        seen |= tree(proc.pid)
        out = read(proc.log)
        if isinstance(when, float):
            if time.monotonic() - started >= when:
                break
        elif out.count(when[0]) >= when[1]:
            break
        time.sleep(0.01)
    assert proc.poll() is None, f"the run ended before the moment {when}:\n{read(proc.log)[-3000:]}"
    seen |= tree(proc.pid)
    sent = time.monotonic()
    (os.kill if to == "process" else os.killpg)(proc.pid, getattr(signal, name))
    return sent, seen, out


def runs_rows(root: Path) -> list[tuple]:
    if not (root / "w.ducklake").exists():
        return []
    return sandbox.query(make_settings(root).lake, "SELECT run_id, flow_run_id, status, reason FROM runs")[1]


def test_sigterm_or_sigint_at_ten_moments_cancels_the_run_cleanly(corpus, clean, prefect_api, tmp_path):
    report, roots = [], []
    for trial, (moment, when) in enumerate(MOMENTS):
        name, to = HOW[trial % len(HOW)]
        root = tmp_path / f"trial{trial}"
        copy(corpus, root / "inbox")
        api = None if trial in THROWAWAY else prefect_api
        proc = start_cppcc(api, root, "run", CPPCC_BATCH_SIZE=BATCH, PREFECT_LOGGING_LEVEL="DEBUG",
                           **({"PREFECT_API_URL": ""} if api is None else {}))
        sent, started, before = signal_at(proc, when, name, to)
        try:
            proc.wait(timeout=GRACE_SECONDS + 20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"trial {trial} ({moment}, {name} to the {to}): still running {GRACE_SECONDS + 20:.0f} s "
                        f"after the signal:\n{read(proc.log)[-3000:]}")
        took = time.monotonic() - sent
        out = read(proc.log)
        what = f"trial {trial} ({moment}, {name} to the {to})"
        survivors = []
        deadline = time.monotonic() + 5
        while (survivors := alive(started)) and time.monotonic() < deadline:
            time.sleep(0.1)
        for p in started:          # never leave one to the next trial, whatever this one asserts
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        assert survivors == [], f"{what}: processes left behind: {survivors}"
        assert "Traceback" not in out, f"{what}:\n{out[-3000:]}"
        assert "did not stop within" not in out, f"{what}: the cooperative stop did not finish:\n{out[-3000:]}"
        last = out.strip().splitlines()[-1]
        rows = runs_rows(root)
        flow_started = BEGAN in out
        if proc.returncode == 0:        # the signal came after the run's last checkpoint: it completed
            assert moment == "housekeeping" and [r[2] for r in rows] == ["Completed"], f"{what}: {rows}\n{out[-2000:]}"
            outcome = "completed"
        elif flow_started:
            assert proc.returncode == 1, f"{what}: exit {proc.returncode}\n{out[-3000:]}"
            assert [(r[2], r[3]) for r in rows] == [("Cancelled", f"received {name}")], f"{what}: {rows}"
            assert last == f"Error: run {rows[0][0]} cancelled: received {name}", f"{what}: {last!r}"
            if api is not None:
                flow_run = httpx.get(f"{api}/flow_runs/{rows[0][1]}").json()
                assert flow_run["state_type"] == "CANCELLED", f"{what}: {flow_run['state_type']}"
            outcome = "Cancelled"
        else:
            assert proc.returncode == 1 and rows == [], f"{what}: exit {proc.returncode}, {rows}\n{out[-3000:]}"
            assert last == f"Error: run cancelled before it started: received {name}", f"{what}: {last!r}"
            outcome = "not started"
        assert took < GRACE_SECONDS, f"{what}: left {took:.1f} s after the signal"
        pages = len(table_rows(make_settings(root))["issues"]) if (root / "w.ducklake").exists() else 0
        report.append(f"{trial}: {moment:42} {name} to the {to:7} -> {outcome:11} in {took:4.1f} s; "
                      f"{len(started)} processes, {pages} of {PAGES} pages loaded")
        print(report[-1], flush=True)
        roots.append(root)

    def finish(root: Path):
        return root, cppcc(prefect_api, root, "run")

    with ThreadPoolExecutor(3) as pool:          # the normal runs after the cancelled ones
        for root, rerun in pool.map(finish, roots):
            assert rerun.returncode == 0, rerun.stdout + rerun.stderr
            assert re.search(r"^(completed: |nothing new in )", rerun.stdout, re.M), rerun.stdout
            assert table_rows(make_settings(root)) == clean, f"{root.name} differs from a clean run"
            assert orphans(root) == [], f"{root.name} left files of an interrupted commit"
    outcomes = " ".join(report)
    assert "not started" in outcomes and outcomes.count("Cancelled") >= 7, report
    assert any(f"{p} of {PAGES}" in outcomes for p in range(1, PAGES)), "no signal landed mid-load"


# ---------------------------------------------------------------- the mechanism, in a process of its own

SCRIPT = """
import os, signal, subprocess, sys, time
import psutil
from flows import cancel
cancel.install(grace_seconds=float(sys.argv[1]))
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
subprocess.Popen(["sh", "-c", "sleep 60 & wait"], start_new_session=True)     # its child: a grandchild
time.sleep(0.3)
print(*[p.pid for p in psutil.Process().children(recursive=True)], flush=True)
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(0.05)
print("requested" if cancel.requested() else "not requested", cancel.reason(), flush=True)
try:
    cancel.check()
except cancel.RunCancelled as exc:
    print("checkpoint:", exc, flush=True)
if sys.argv[2] == "again":
    os.kill(os.getpid(), signal.SIGINT)
time.sleep(60)             # the main thread stuck: the canceller leaves for it
"""


@pytest.mark.slow
@pytest.mark.parametrize("then", ["stuck", "again"])
def test_a_process_that_does_not_stop_in_time_or_is_signalled_twice_leaves_at_once(tmp_path, then):
    """The handler takes note (a checkpoint then raises); should the process still be there after the grace time,
    or be signalled again, it kills every process it started and leaves with one line, exit 1."""
    import sys

    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", SCRIPT, "1.5", then], capture_output=True, text=True, timeout=30,
                          cwd=Path(__file__).resolve().parents[1])
    took = time.monotonic() - started
    pids = [int(p) for p in proc.stdout.split("\n")[0].split()]
    assert len(pids) == 3, proc.stdout
    assert proc.stdout.splitlines()[1:] == ["requested received SIGTERM", "checkpoint: received SIGTERM"], proc.stdout
    assert proc.returncode == 1
    if then == "stuck":
        assert proc.stderr == "Error: run cancelled: received SIGTERM; it did not stop within 1.5 s, so it was " \
                              "stopped at once\n"
        assert 1.5 <= took < 10
    else:
        assert proc.stderr == "Error: run cancelled: received SIGTERM, then SIGINT: stopped at once\n"
        assert took < 1.5 + 5
    time.sleep(0.2)
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)


def test_where_no_stop_was_asked_for_a_checkpoint_does_nothing():
    from flows import cancel

    assert not cancel.requested()
    cancel.check()
