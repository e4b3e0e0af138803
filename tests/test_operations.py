"""Operations against a real Prefect server: flow and task runs, artifact, cron deployment, scheduler,
load retries, SIGKILL crash trials, concurrent runs and queries during a load."""
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from cppcc.generate import write_pages
from cppcc.prefect_server import latest_flow_run

BIN = Path(sys.executable).parent
CRASH_TRIALS = 20
HOLD_WAREHOUSE = "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); " \
                 "time.sleep(float(sys.argv[2])); con.close()"


def cppcc_env(api_url: str, **extra) -> dict:
    return {**os.environ, "PREFECT_API_URL": api_url, "CPPCC_SETTLE_SECONDS": "0", **extra}


def cppcc(api_url: str, *args, timeout=300, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "cppcc"), *args], capture_output=True, text=True, timeout=timeout,
                          env=cppcc_env(api_url, **extra))


def start_cppcc(api_url: str, *args, **extra) -> subprocess.Popen:
    """A background `cppcc`; its output goes to a temporary file (a pipe nobody reads would fill and block it)."""
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([str(BIN / "cppcc"), *args], stdout=log, stderr=subprocess.STDOUT, text=True,
                            env=cppcc_env(api_url, **extra), start_new_session=True)
    proc.log = log
    return proc


def output_of(proc: subprocess.Popen, timeout: float = 300) -> str:
    proc.wait(timeout=timeout)
    proc.log.seek(0)
    return proc.log.read()


def api(api_url: str, path: str, body: dict):
    """POST to one of the Prefect REST API's `/filter` endpoints."""
    response = httpx.post(f"{api_url}{path}", json=body)
    response.raise_for_status()
    return response.json()


def wait_for(check, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    return check()


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every row of every table, minus load timestamps and the runs log (which differ between runs)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_name <> 'runs'").fetchall():
            columns = [c for c, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall() if not kind.startswith("TIMESTAMP")]
            cols = ", ".join(f'"{c}"' for c in columns)
            tables[table] = sorted(con.execute(f"SELECT {cols} FROM {table}").fetchall(), key=repr)
        return tables
    finally:
        con.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    inbox = tmp_path_factory.mktemp("corpus")
    write_pages(inbox, 40, seed=11)
    return inbox


@pytest.fixture(scope="module")
def clean_run(corpus, prefect_api, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("clean")
    inbox = root / "inbox"
    copy_corpus(corpus, inbox)
    started = time.monotonic()
    result = cppcc(prefect_api, "run", "--inbox", str(inbox), "--warehouse", str(root / "w.duckdb"),
                   CPPCC_QUARANTINE=str(root / "quarantine"))
    assert result.returncode == 0, result.stdout + result.stderr
    return {"warehouse": root / "w.duckdb", "stdout": result.stdout, "seconds": time.monotonic() - started,
            "snapshot": snapshot(root / "w.duckdb")}


def copy_corpus(corpus: Path, inbox: Path) -> None:
    """The generated corpus plus one undecodable file."""
    inbox.mkdir(parents=True)
    for page in corpus.iterdir():
        (inbox / page.name).write_bytes(page.read_bytes())
    (inbox / "broken.txt").write_bytes(bytes(range(256)))


def test_the_flow_run_its_task_runs_and_artifact_are_on_the_server(clean_run, prefect_api):
    assert "loaded 40" in clean_run["stdout"] and "quarantined 1" in clean_run["stdout"]
    flow_run = latest_flow_run(prefect_api)
    assert flow_run["state_type"] == "COMPLETED"
    task_runs = api(prefect_api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run["id"]]}}})
    names = {t["name"].rsplit("-", 1)[0] for t in task_runs}
    assert names == {"parse-pages", "validate-pages", "load-pages"}
    assert all(t["state_type"] == "COMPLETED" for t in task_runs)
    artifacts = api(prefect_api, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [flow_run["id"]]}}})
    (artifact,) = [a for a in artifacts if a["key"] == "nightly-ingest-summary"]
    assert artifact["type"] == "markdown"
    assert "| 41 | 40 | 0 | 0 | 1 | 0 |" in artifact["data"], artifact["data"]
    assert "| articles |" in artifact["data"] and "broken.txt" in artifact["data"]
    logs = api(prefect_api, "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run["id"]]}}})
    assert any("quarantined broken.txt" in entry["message"] for entry in logs)


def _deployment(api_url: str) -> dict | None:
    found = api(api_url, "/deployments/filter", {"deployments": {"name": {"any_": ["nightly-ingest"]}}})
    return found[0] if found else None


def _serve(api_url: str, tmp_path: Path, *options) -> tuple[subprocess.Popen, dict]:
    before = (_deployment(api_url) or {}).get("updated")
    proc = start_cppcc(api_url, "serve", "--inbox", str(tmp_path / "inbox"), "--warehouse",
                       str(tmp_path / "w.duckdb"), *options)
    deployment = wait_for(lambda: (d := _deployment(api_url)) and d["updated"] != before and not d["paused"] and d,
                          timeout=60)
    assert deployment, f"`cppcc serve` registered no deployment: {proc.poll()}"
    return proc, deployment


def test_serve_registers_the_nightly_cron_and_the_scheduler_fills_it(prefect_api, tmp_path):
    proc, deployment = _serve(prefect_api, tmp_path)
    try:
        (schedule,) = deployment["schedules"]
        assert schedule["schedule"]["cron"] == "0 2 * * *"
        assert schedule["schedule"]["timezone"] == "Asia/Shanghai"
        assert schedule["active"]

        def scheduled_runs():
            return api(prefect_api, "/flow_runs/filter", {
                "deployments": {"id": {"any_": [deployment["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}})

        runs = wait_for(scheduled_runs, timeout=15)
        assert runs, "the server's scheduler created no SCHEDULED runs within 15 s"
        for run in runs:  # 02:00 in Shanghai is 18:00 UTC
            assert run["expected_start_time"][11:16] == "18:00", run["expected_start_time"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert _deployment(prefect_api)["paused"], "SIGTERM to `serve` pauses its deployment (README says so)"


def test_serve_cron_and_timezone_can_be_overridden(prefect_api, tmp_path):
    proc, deployment = _serve(prefect_api, tmp_path, "--cron", "30 23 * * 1-5", "--timezone", "UTC")
    try:
        (schedule,) = deployment["schedules"]
        assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("30 23 * * 1-5", "UTC")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_load_retries_while_another_process_holds_the_warehouse(prefect_api, tmp_path, monkeypatch):
    from prefect import flow
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.inbox import plan_run
    from flows.ingest import load_pages, parse_file
    from warehouse import db

    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    write_pages(inbox, 3, seed=21)
    pages = [parse_file(f, 2_000_000) for f in plan_run(inbox, warehouse, settle_seconds=0).new]
    monkeypatch.setattr(db, "OPEN_RETRY_SECONDS", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WAREHOUSE, str(warehouse), "2.5"], stdout=subprocess.PIPE,
                              text=True)   # another process's writer, gone after 2.5 s
    assert holder.stdout.readline().strip() == "holding"

    @flow(name="load-retry-check")
    def load_once():
        return load_pages(str(warehouse), pages, str(tmp_path / "quarantine"))

    with temporary_settings({PREFECT_API_URL: prefect_api}):
        loaded, quarantined = load_once()
    holder.wait()
    assert len(loaded) == 3 and not quarantined
    flow_run = api(prefect_api, "/flow_runs/filter", {"flows": {"name": {"any_": ["load-retry-check"]}}})[0]
    (task_run,) = api(prefect_api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run["id"]]}}})
    assert task_run["state_type"] == "COMPLETED" and task_run["run_count"] >= 2, task_run


def test_sigkill_at_random_moments_never_loses_or_doubles_rows(clean_run, corpus, prefect_api, tmp_path):
    rng = random.Random(20261123)
    killed_mid_load = 0
    for trial in range(CRASH_TRIALS):
        root = tmp_path / f"trial{trial}"
        copy_corpus(corpus, root / "inbox")
        args = ("run", "--inbox", str(root / "inbox"), "--warehouse", str(root / "w.duckdb"))
        extra = {"CPPCC_QUARANTINE": str(root / "quarantine"), "CPPCC_BATCH_SIZE": "10"}
        proc = start_cppcc(prefect_api, *args, **extra)
        time.sleep(rng.uniform(0.2, clean_run["seconds"]))
        os.killpg(proc.pid, signal.SIGKILL)   # the run and its parsing workers
        proc.wait()
        if (root / "w.duckdb").exists():
            rows = snapshot(root / "w.duckdb")["issues"]
            killed_mid_load += 0 < len(rows) < 40
        rerun = cppcc(prefect_api, *args, **extra)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert snapshot(root / "w.duckdb") == clean_run["snapshot"], f"trial {trial} differs from a clean run"
    assert killed_mid_load >= 3, f"only {killed_mid_load} of {CRASH_TRIALS} kills landed during the load"


def test_two_runs_at_once_load_everything_once(clean_run, corpus, prefect_api, tmp_path):
    copy_corpus(corpus, tmp_path / "inbox")
    args = ("run", "--inbox", str(tmp_path / "inbox"), "--warehouse", str(tmp_path / "w.duckdb"))
    extra = {"CPPCC_QUARANTINE": str(tmp_path / "quarantine")}
    first = start_cppcc(prefect_api, *args, **extra)
    time.sleep(0.5)
    second = start_cppcc(prefect_api, *args, **extra)
    outputs = [output_of(p) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    loaded = [int(n) for out in outputs for n in re.findall(r"^files seen \d+, loaded (\d+)", out, re.M)]
    assert sorted(loaded) == [0, 40], outputs
    assert any("holds the warehouse; waiting" in out for out in outputs), outputs
    assert snapshot(tmp_path / "w.duckdb") == clean_run["snapshot"]


def test_a_run_that_cannot_get_the_lock_skips_and_says_so(prefect_api, tmp_path):
    from flows.lock import run_lock

    write_pages(tmp_path / "inbox", 2, seed=4)
    warehouse = tmp_path / "w.duckdb"
    with run_lock(warehouse):
        result = cppcc(prefect_api, "run", "--inbox", str(tmp_path / "inbox"), "--warehouse", str(warehouse),
                       "--wait", "1")
    assert result.returncode == 1 and "skipped: another run" in result.stderr, result.stdout + result.stderr
    assert not warehouse.exists() or snapshot(warehouse)["issues"] == []


def test_queries_answer_while_a_run_loads(prefect_api, tmp_path):
    write_pages(tmp_path / "inbox", 120, seed=31)
    warehouse = tmp_path / "w.duckdb"
    run = start_cppcc(prefect_api, "run", "--inbox", str(tmp_path / "inbox"), "--warehouse", str(warehouse),
                      CPPCC_BATCH_SIZE="10")
    wait_for(warehouse.exists, timeout=120, step=0.1)
    answers = []
    while run.poll() is None:
        result = cppcc(prefect_api, "query", "select count(*) from issues", "--warehouse", str(warehouse),
                       "--format", "csv", timeout=60)
        assert result.returncode == 0, result.stderr
        answers.append((int(result.stdout.splitlines()[1]), run.poll() is None))
    assert run.returncode == 0, output_of(run)
    during = [n for n, running in answers if running]
    assert during, "no query finished while the run was loading"
    assert [n for n, _ in answers] == sorted(n for n, _ in answers), "counts only grow, page by page"
    assert any(0 < n < 120 for n in during), answers


def test_dask_runner_parses_on_the_cluster_and_loads_what_the_local_runner_loads(prefect_api, tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    write_pages(tmp_path / "inbox", 30, seed=41)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)   # the workers' task runs report to the same server
    extra = {"CPPCC_BATCH_SIZE": "10", "CPPCC_QUARANTINE": str(tmp_path / "quarantine")}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = cppcc(prefect_api, "run", "--runner", "dask", "--address", cluster.scheduler_address, "--inbox",
                        str(tmp_path / "inbox"), "--warehouse", str(tmp_path / "dask.duckdb"), **extra)
        assert on_dask.returncode == 0, on_dask.stdout + on_dask.stderr
        with Client(cluster) as client:
            ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert "parse_pages" in ran, ran
    assert not any("load" in prefix or "validate" in prefix for prefix in ran), "loading stays in the flow process"
    local = cppcc(prefect_api, "run", "--inbox", str(tmp_path / "inbox"), "--warehouse", str(tmp_path / "local.duckdb"),
                  **extra)
    assert local.returncode == 0
    assert snapshot(tmp_path / "dask.duckdb") == snapshot(tmp_path / "local.duckdb")
