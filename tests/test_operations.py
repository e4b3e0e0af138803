"""Operations against a real Prefect server: flow and task runs, artifact, cron deployment, scheduler,
SIGKILL crash trials, concurrent runs, readers held open during a run, queries during a load, Dask."""
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from conftest import make_settings, table_rows
from cppcc.generate import write_pages
from cppcc.prefect_server import latest_flow_run
from warehouse import connection, sandbox

BIN = Path(sys.executable).parent
CRASH_TRIALS = 20


def cppcc_env(api_url: str | None, root: Path, **extra) -> dict:
    env = {**os.environ, "CPPCC_SETTLE_SECONDS": "0", "CPPCC_DATA": str(root / "data"),
           "CPPCC_INBOX": str(root / "inbox"), "CPPCC_WAREHOUSE": str(root / "w.ducklake"), **extra}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    if not env.get("PREFECT_API_URL"):
        env.pop("PREFECT_API_URL", None)
    return env


def cppcc(api_url, root: Path, *args, timeout=300, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "cppcc"), *args], capture_output=True, text=True, timeout=timeout,
                          env=cppcc_env(api_url, root, **extra))


def start_cppcc(api_url, root: Path, *args, **extra) -> subprocess.Popen:
    """A background `cppcc`; its output goes to a temporary file (a pipe nobody reads would fill and block it)."""
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([str(BIN / "cppcc"), *args], stdout=log, stderr=subprocess.STDOUT, text=True,
                            env=cppcc_env(api_url, root, **extra), start_new_session=True)
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


def orphans(root: Path) -> list:
    """Data files no snapshot refers to (what an interrupted commit leaves behind)."""
    with connection.writer(make_settings(root).lake) as con:
        return con.execute("CALL ducklake_delete_orphaned_files('wh', dry_run => true, older_than => now())").fetchall()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    inbox = tmp_path_factory.mktemp("corpus")
    write_pages(inbox, 40, seed=11)
    return inbox


def copy_corpus(corpus: Path, inbox: Path) -> None:
    """The generated corpus plus one undecodable file."""
    inbox.mkdir(parents=True)
    for page in corpus.iterdir():
        (inbox / page.name).write_bytes(page.read_bytes())
    (inbox / "broken.txt").write_bytes(bytes(range(256)))


@pytest.fixture(scope="module")
def clean_run(corpus, prefect_api, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("clean")
    copy_corpus(corpus, root / "inbox")
    started = time.monotonic()
    result = cppcc(prefect_api, root, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    return {"root": root, "stdout": result.stdout, "seconds": time.monotonic() - started,
            "rows": table_rows(make_settings(root))}


def test_the_flow_run_its_task_runs_and_artifact_are_on_the_server(clean_run, prefect_api):
    assert "loaded 40, quarantined 1" in clean_run["stdout"]
    flow_run = latest_flow_run(prefect_api)
    assert flow_run["state_type"] == "COMPLETED"
    task_runs = api(prefect_api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run["id"]]}}})
    assert {t["name"].rsplit("-", 1)[0] for t in task_runs} == {"parse-pages", "validate-batch", "commit-batch",
                                                                 "housekeeping"}
    assert all(t["state_type"] == "COMPLETED" for t in task_runs)
    artifacts = api(prefect_api, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [flow_run["id"]]}}})
    (artifact,) = [a for a in artifacts if a["key"] == "nightly-ingest-summary"]
    assert artifact["type"] == "markdown"
    assert "| 41 | 40 | 1 | 0 | 0 | 0 | 0 | 0 |" in artifact["data"], artifact["data"]
    articles = len(clean_run["rows"]["articles"])
    assert f"| articles | {articles} | {articles} |" in artifact["data"] and "broken.txt" in artifact["data"]
    logs = api(prefect_api, "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run["id"]]}}})
    assert any("quarantined broken.txt" in entry["message"] for entry in logs)


def _deployment(api_url: str) -> dict | None:
    found = api(api_url, "/deployments/filter", {"deployments": {"name": {"any_": ["nightly-ingest"]}}})
    return found[0] if found else None


def _serve(api_url: str, root: Path, *options, **extra) -> tuple[subprocess.Popen, dict]:
    before = (_deployment(api_url) or {}).get("updated")
    proc = start_cppcc(api_url, root, "serve", *options, **extra)
    deployment = wait_for(lambda: (d := _deployment(api_url)) and d["updated"] != before and not d["paused"] and d,
                          timeout=60)
    assert deployment, f"`cppcc serve` registered no deployment: {proc.poll()} {output_of(proc, 5) if proc.poll() else ''}"
    return proc, deployment


def _stop(proc: subprocess.Popen) -> tuple[float, str]:
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGTERM)
    out = output_of(proc, timeout=30)
    return time.monotonic() - started, out


def test_serve_registers_the_nightly_cron_with_every_setting_and_stops_on_sigterm(prefect_api, tmp_path):
    proc, deployment = _serve(prefect_api, tmp_path, CPPCC_BATCH_SIZE="7", CPPCC_KEEP_SNAPSHOTS_DAYS="3")
    try:
        (schedule,) = deployment["schedules"]
        assert schedule["schedule"]["cron"] == "0 2 * * *"
        assert schedule["schedule"]["timezone"] == "Asia/Shanghai"
        assert schedule["active"]
        settings = deployment["parameters"]["settings"]
        assert settings["batch_size"] == 7 and settings["keep_snapshots_days"] == 3
        assert settings["inbox"] == str(tmp_path / "inbox")

        def scheduled_runs():
            return api(prefect_api, "/flow_runs/filter", {
                "deployments": {"id": {"any_": [deployment["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}})

        runs = wait_for(scheduled_runs, timeout=15)
        assert runs, "the server's scheduler created no SCHEDULED runs within 15 s"
        for run in runs:  # 02:00 in Shanghai is 18:00 UTC
            assert run["expected_start_time"][11:16] == "18:00", run["expected_start_time"]
    finally:
        seconds, out = _stop(proc)
    assert seconds < 10, f"serve took {seconds:.1f} s to stop"
    assert "Traceback" not in out, out
    assert _deployment(prefect_api)["paused"], "SIGTERM to `serve` pauses its deployment (README says so)"


def test_serve_cron_and_timezone_can_be_overridden(prefect_api, tmp_path):
    proc, deployment = _serve(prefect_api, tmp_path, "--cron", "30 23 * * 1-5", "--timezone", "UTC")
    try:
        (schedule,) = deployment["schedules"]
        assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("30 23 * * 1-5", "UTC")
    finally:
        _, out = _stop(proc)      # at once: possibly before Prefect's runner listens for SIGTERM
    assert "Traceback" not in out, out
    assert _deployment(prefect_api)["paused"], "a SIGTERM right after registration pauses the deployment too"


def test_a_run_serve_starts_loads_the_inbox_with_the_validator_serve_keeps_warm(prefect_api, tmp_path):
    """The scheduled path end to end: the deployment's run (asked for now rather than at 02:00) runs in a process
    Prefect's runner starts, loads the inbox, and is parsed and checked by the validator `serve` keeps loaded
    between runs (said in the run's log); a second run uses it again. SIGTERM stops `serve` and every process it started."""
    import psutil

    write_pages(tmp_path / "inbox", 6, seed=31)
    proc, deployment = _serve(prefect_api, tmp_path, PREFECT_RUNNER_POLL_FREQUENCY="1")
    started = set()
    try:
        for night, pages in ((1, 6), (2, 9)):
            if night == 2:
                write_pages(tmp_path / "more", 3, seed=32)
                for page in (tmp_path / "more").iterdir():
                    page.rename(tmp_path / "inbox" / page.name)
            flow_run = httpx.post(f"{prefect_api}/deployments/{deployment['id']}/create_flow_run", json={}).json()

            def finished():
                started.update(psutil.Process(proc.pid).children(recursive=True))
                state = httpx.get(f"{prefect_api}/flow_runs/{flow_run['id']}").json()["state"]
                return state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") and state
            state = wait_for(finished, timeout=120)

            def logs():        # a run's last lines reach the server shortly after its final state
                return [r["message"] for r in api(prefect_api, "/logs/filter",
                                                  {"logs": {"flow_run_id": {"any_": [flow_run["id"]]}}})]
            assert state and state["type"] == "COMPLETED", f"night {night}: {state}\n" + "\n".join(logs()[-20:])
            assert len(table_rows(make_settings(tmp_path))["issues"]) == pages
            assert wait_for(lambda: any("validated by the validator `cppcc serve` keeps loaded" in m for m in logs()),
                            timeout=15), "\n".join(logs())
            assert any("parsed by the validator `cppcc serve` keeps loaded" in m for m in logs()), "\n".join(logs())
    finally:
        seconds, out = _stop(proc)
    assert "Traceback" not in out, out
    left = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], f"processes `serve` started are still running: {[' '.join(p.cmdline())[:80] for p in left]}"


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_or_doubles_rows(clean_run, corpus, prefect_api, tmp_path):
    rng = random.Random(20261124)
    killed_mid_load = 0
    for trial in range(CRASH_TRIALS):
        root = tmp_path / f"trial{trial}"
        copy_corpus(corpus, root / "inbox")
        proc = start_cppcc(prefect_api, root, "run", CPPCC_BATCH_SIZE="5")
        if trial % 2:      # any moment of the run, start-up and catalog creation included
            time.sleep(rng.uniform(0.2, clean_run["seconds"]))
        else:              # a moment of the load: once the first batch's files are being written
            deadline = time.monotonic() + clean_run["seconds"] * 3
            while not any((root / "w.ducklake.files").rglob("*.parquet")) and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 1.0))
        os.killpg(proc.pid, signal.SIGKILL)   # the run and its parsing workers
        proc.wait()
        if Path(root / "w.ducklake").exists():
            try:
                pages = len(table_rows(make_settings(root))["issues"])
                killed_mid_load += 0 < pages < 40
            except Exception:
                pass                            # killed while the catalog was being created
        rerun = cppcc(prefect_api, root, "run")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert table_rows(make_settings(root)) == clean_run["rows"], f"trial {trial} differs from a clean run"
        assert orphans(root) == [], f"trial {trial} left files of an interrupted commit"
    assert killed_mid_load >= CRASH_TRIALS // 4, f"only {killed_mid_load} of {CRASH_TRIALS} kills landed during the load"


def test_two_runs_at_once_load_everything_once(clean_run, corpus, prefect_api, tmp_path):
    copy_corpus(corpus, tmp_path / "inbox")
    first = start_cppcc(prefect_api, tmp_path, "run")
    time.sleep(0.5)
    second = start_cppcc(prefect_api, tmp_path, "run")
    outputs = [output_of(p) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    loaded = [int(n) for out in outputs for n in re.findall(r"^completed: files seen \d+: loaded (\d+)", out, re.M)]
    assert sorted(loaded) == [0, 40], outputs
    assert any("holds the warehouse; waiting" in out for out in outputs), outputs
    assert table_rows(make_settings(tmp_path)) == clean_run["rows"]


def test_a_run_that_cannot_get_the_lock_skips_says_so_and_is_recorded(prefect_api, tmp_path):
    from flows.lock import lock_path, run_lock

    write_pages(tmp_path / "inbox", 2, seed=4)
    with run_lock(lock_path(make_settings(tmp_path))):
        result = cppcc(prefect_api, tmp_path, "run", "--wait", "1")
    assert result.returncode == 1 and "skipped: another run" in result.stderr, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: skipped: another run"), result.stderr
    runs = sandbox.query(make_settings(tmp_path).lake, "SELECT status, loaded FROM runs")[1]
    assert runs == [("Skipped", 0)]


HOLD_PYTHON_READER = """
import sys, time, duckdb
sys.path[:0] = [sys.argv[3]]
from conftest import make_settings
from pathlib import Path
from warehouse import connection, sandbox
with sandbox.reader(make_settings(Path(sys.argv[1])).lake) as con:
    con.execute("BEGIN")
    con.execute("SELECT count(*) FROM articles").fetchall()
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_readers_held_open_for_the_whole_run_never_block_it(corpus, prefect_api, tmp_path):
    """A notebook's connection inside a transaction and an analyst's duckdb CLI, both open all run long."""
    copy_corpus(corpus, tmp_path / "inbox")
    first = sorted((tmp_path / "inbox").iterdir())[:3]
    other = tmp_path / "first"
    other.mkdir()
    for page in first:
        page.rename(other / page.name)
    assert cppcc(prefect_api, tmp_path, "run", CPPCC_INBOX=str(other)).returncode == 0
    python_reader = subprocess.Popen([sys.executable, "-c", HOLD_PYTHON_READER, str(tmp_path), "120",
                                      str(Path(__file__).parent)], stdout=subprocess.PIPE, text=True)
    assert python_reader.stdout.readline().strip() == "holding"
    import duckdb_cli          # the DuckDB CLI (test extra), as an analyst's own reader

    settings = make_settings(tmp_path)
    attach = (f"LOAD '{connection.extension_file('ducklake')}'; LOAD '{connection.extension_file('sqlite_scanner')}'; "
              f"ATTACH '{settings.lake.attach_target()}' AS wh (READ_ONLY); SELECT count(*) FROM wh.issues;")
    cli_reader = subprocess.Popen([str(Path(duckdb_cli.__file__).parent / "duckdb"), "-cmd", attach], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
    try:
        started = time.monotonic()
        result = cppcc(prefect_api, tmp_path, "run")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "loaded 37" in result.stdout and time.monotonic() - started < 60
    finally:
        python_reader.kill()
        cli_reader.stdin.close()
        cli_reader.kill()


def test_queries_answer_at_once_during_a_load(prefect_api, tmp_path):
    write_pages(tmp_path / "inbox", 150, seed=31)
    run = start_cppcc(prefect_api, tmp_path, "run", CPPCC_BATCH_SIZE="10")
    wait_for(lambda: (tmp_path / "w.ducklake").exists(), timeout=120, step=0.1)
    answers = []
    while run.poll() is None:
        started = time.monotonic()
        result = cppcc(None, tmp_path, "query", "select count(*) from issues", "--format", "csv", timeout=60)
        assert result.returncode == 0, result.stderr
        answers.append((int(result.stdout.splitlines()[1]), run.poll() is None, time.monotonic() - started))
    assert run.returncode == 0, output_of(run)
    during = [(n, seconds) for n, running, seconds in answers if running]
    assert during, "no query finished while the run was loading"
    assert [n for n, _, _ in answers] == sorted(n for n, _, _ in answers), "counts only grow, batch by batch"
    assert any(0 < n < 150 for n, _ in during), answers
    assert max(seconds for _, seconds in during) < 5, "a query never waits for the load (interpreter start included)"


def test_dask_runner_parses_on_the_cluster_and_loads_what_the_local_runner_loads(prefect_api, tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    write_pages(tmp_path / "inbox", 30, seed=41)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)   # the workers' task runs report to the same server
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = cppcc(prefect_api, tmp_path / "dask", "run", "--runner", "dask", "--address",
                        cluster.scheduler_address, CPPCC_BATCH_SIZE="10", CPPCC_INBOX=str(tmp_path / "inbox"))
        assert on_dask.returncode == 0, on_dask.stdout + on_dask.stderr
        with Client(cluster) as client:
            ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert "parse_pages" in ran, ran
    assert not any("commit" in prefix or "validate" in prefix for prefix in ran), "the flow process commits"
    local = cppcc(prefect_api, tmp_path / "local", "run", CPPCC_BATCH_SIZE="10", CPPCC_INBOX=str(tmp_path / "inbox"))
    assert local.returncode == 0
    assert table_rows(make_settings(tmp_path / "dask")) == table_rows(make_settings(tmp_path / "local"))


def _session_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.mark.slow
def test_a_local_server_started_in_the_background_serves_later_runs(tmp_path):
    """What `make run` does: start the local server, run against it (the run is in its UI), stop it."""
    from cppcc.prefect_server import free_port, healthy

    port = free_port()
    env_extra = {"PREFECT_API_URL": ""}
    started = cppcc(None, tmp_path, "prefect-server", "start", "--port", str(port), **env_extra)
    assert started.returncode == 0 and f"http://127.0.0.1:{port}" in started.stdout, started.stdout + started.stderr
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        assert "running at" in cppcc(None, tmp_path, "prefect-server", "status").stdout
        write_pages(tmp_path / "inbox", 3, seed=61)
        run = start_cppcc(None, tmp_path, "run", **env_extra)
        out = output_of(run)
        assert run.returncode == 0 and "loaded 3" in out, out
        assert "Starting temporary server" not in out, "the run used the local server, not a throwaway one"
        assert latest_flow_run(api_url)["state_type"] == "COMPLETED"
        assert wait_for(lambda: not _session_alive(run.pid), timeout=5), "`cppcc run` left a process behind"
    finally:
        stopped = cppcc(None, tmp_path, "prefect-server", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert wait_for(lambda: not healthy(api_url), timeout=20)


@pytest.mark.slow
def test_a_run_with_an_ephemeral_server_leaves_no_process_behind(tmp_path):
    """Without a server the run starts a throwaway one, in a session of its own: it is stopped all the same."""
    import psutil

    write_pages(tmp_path / "inbox", 2, seed=62)
    run = start_cppcc(None, tmp_path, "run", PREFECT_API_URL="")
    started, server = set(), []
    while run.poll() is None:
        try:
            for child in psutil.Process(run.pid).children(recursive=True):
                if child not in started:
                    started.add(child)
                    server += [child] if "uvicorn" in " ".join(child.cmdline()) else []
        except psutil.Error:
            pass
        time.sleep(0.05)
    out = output_of(run)
    assert run.returncode == 0 and "loaded 2" in out, out
    assert "Starting temporary server on http://127.0.0.1:" in out and len(server) == 1, out
    assert wait_for(lambda: not _session_alive(run.pid), timeout=10), "a helper outlived the run"
    assert wait_for(lambda: not [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE],
                    timeout=10), "the throwaway server outlived the run"
