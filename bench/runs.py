"""`cppcc run --json` itself, as an operator runs it, against the bench's Prefect server: a large run into a new
warehouse (with queries during the load, and on the idle warehouse after it), a night's 20 new pages on
top of it (by `cppcc run`, and as `cppcc serve` runs it), the no-op re-run, and the Dask paths past one machine."""
from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.corpus import SEED, corpus
from bench.measure import mean_seconds, watched

CPPCC = str(Path(sys.executable).parent / "cppcc")
NIGHT_PAGES = 20
NIGHTS = 3
SERVE_SETTLE_SECONDS = 30   # `cppcc serve` runs long before the night: its helper has loaded GX and the parser
QUERY = "SELECT count(*) FROM articles"
IDLE_QUERIES = 20
DASK_WORKERS = 2
DASK_THREADS = 1            # threads per Dask worker process


def env_for(work: Path, name: str, api_url: str, inbox: Path) -> dict:
    return {**os.environ, "PREFECT_API_URL": api_url, "CPPCC_DATA": str(work / f"data-{name}"),
            "CPPCC_INBOX": str(inbox), "CPPCC_WAREHOUSE": str(work / f"{name}.ducklake"),
            "CPPCC_SETTLE_SECONDS": "0", "PREFECT_LOGGING_LEVEL": "WARNING"}


def settings_of(env: dict):
    from cppcc.settings import Settings

    return Settings(data=Path(env["CPPCC_DATA"]), warehouse=env["CPPCC_WAREHOUSE"],
                    **({"data_files": Path(env["CPPCC_DATA_FILES"])} if "CPPCC_DATA_FILES" in env else {}))


def fresh(work: Path, name: str) -> None:
    for path in work.glob(f"{name}.ducklake*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.rmtree(work / f"data-{name}", ignore_errors=True)


def fresh_query(settings) -> float:
    """Seconds of one query on a new sandboxed connection (extensions loaded, catalog attached): what
    `cppcc query` pays."""
    from warehouse import sandbox

    started = time.perf_counter()
    with sandbox.reader(settings.lake) as con:
        con.execute(QUERY).fetchone()
    return time.perf_counter() - started


def end_to_end(work: Path, size: int, api_url: str) -> dict:
    """`cppcc run` over the corpus into a new warehouse, a query every half second during the load."""
    from cppcc.errors import is_expected
    from warehouse import connection, sandbox

    name, inbox = f"w{size}", corpus(work, size)
    fresh(work, name)
    env = env_for(work, name, api_url, inbox)
    settings = settings_of(env)
    latencies: list[float] = []
    refused: list[Exception] = []

    def query_while_loading(proc):
        while proc.poll() is None:
            if connection.exists(settings.lake):
                try:
                    seconds = fresh_query(settings)
                    if proc.poll() is None:
                        latencies.append(seconds)
                except Exception as exc:       # kept: an expected one is counted, any other raised below
                    refused.append(exc)
            time.sleep(0.5)

    run = watched([CPPCC, "run", "--json"], env, during=query_while_loading)
    for exc in refused:
        if not is_expected(exc):
            raise exc
    result = run.json()
    idle = [fresh_query(settings) for _ in range(IDLE_QUERIES)]
    with sandbox.reader(settings.lake) as con:
        open_connection = mean_seconds(con, QUERY)
    return {"wall": run.wall, "peak": run.peak, "stages": result["seconds"], "loaded": result["loaded"],
            "quarantined": result["quarantined"], "queries": len(latencies),
            "query_failures": [str(e).splitlines()[0] for e in refused],
            "query_latencies": latencies, "query_max": max(latencies, default=None),
            "query_median": statistics.median(latencies) if latencies else None,
            "idle_query_median": statistics.median(idle), "idle_query_max": max(idle),
            "open_connection_query": open_connection}


def night(work: Path, size: int, api_url: str) -> list[dict]:
    """A night's new pages on top of the `size`-page warehouse, three nights."""
    nights, seed = [], _new_seed(work, size)
    for n in range(NIGHTS):
        inbox = corpus(work, NIGHT_PAGES, seed=seed + n)
        run = watched([CPPCC, "run", "--json"], env_for(work, f"w{size}", api_url, inbox))
        result = run.json()
        if result.get("loaded") != NIGHT_PAGES:
            raise RuntimeError(f"a night loaded {result.get('loaded')} of {NIGHT_PAGES} pages: {result}")
        nights.append({"wall": run.wall, "stages": result["seconds"], "exit_after_result": run.exit_after_output,
                       "pss": run.peak["pss"]})
    return nights


def served_nights(work: Path, size: int, api_url: str) -> list[dict]:
    """The same nights as `cppcc serve` runs them: each the deployment's run, in a process Prefect's runner
    starts (interpreter, Prefect and the flow loaded anew), parsed and validated by the helper `serve` keeps loaded.
    `serve` starts well before the first night, as it does in production. Wall: from the runner taking the run
    (its Pending state) to Completed, as the server recorded them."""
    import httpx

    from warehouse import sandbox

    inbox = work / "served-inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir()
    env = {**env_for(work, f"w{size}", api_url, inbox), "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    deployment_url = f"{api_url}/deployments/name/nightly-ingest/nightly-ingest"
    before = httpx.get(deployment_url).json().get("updated")
    proc = subprocess.Popen([CPPCC, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deployment = _until(lambda: (d := httpx.get(deployment_url).json()).get("updated") != before
                            and not d.get("paused") and d, "`cppcc serve` registered no deployment")
        time.sleep(SERVE_SETTLE_SECONDS)
        nights, seed = [], _new_seed(work, size) + NIGHTS
        for n in range(NIGHTS):
            for page in corpus(work, NIGHT_PAGES, seed=seed + n).iterdir():
                shutil.copy(page, inbox / page.name)
            created = httpx.post(f"{api_url}/deployments/{deployment['id']}/create_flow_run", json={})
            if created.status_code != 201:
                raise RuntimeError(f"the server created no flow run: {created.status_code} {created.text[:300]}")
            flow_run = created.json()
            state = _until(lambda: (s := httpx.get(f"{api_url}/flow_runs/{flow_run['id']}").json()["state"])["type"]
                           in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") and s, "a served night did not end")
            if state["type"] != "COMPLETED":
                raise RuntimeError(f"a served night ended {state['type']}: {state['message']}")
            with sandbox.reader(settings_of(env).lake) as con:
                loaded = con.execute("SELECT loaded FROM runs WHERE flow_run_id = ?", [flow_run["id"]]).fetchall()
            if loaded != [(NIGHT_PAGES,)]:
                raise RuntimeError(f"a served night loaded {loaded} of {NIGHT_PAGES} pages (already loaded?)")
            states = httpx.get(f"{api_url}/flow_run_states/", params={"flow_run_id": flow_run["id"]}).json()
            at = {s["type"]: datetime.fromisoformat(s["timestamp"]) for s in states}
            nights.append({"wall": (at["COMPLETED"] - at["PENDING"]).total_seconds(),
                           "start": (at["RUNNING"] - at["PENDING"]).total_seconds()})
        return nights
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def _new_seed(work: Path, size: int) -> int:
    """A seed for nights' pages the `size`-page warehouse does not hold yet (the step may be run again alone)."""
    from warehouse import sandbox

    with sandbox.reader(settings_of(env_for(work, f"w{size}", "", work)).lake) as con:
        return SEED + 100 + con.execute("SELECT count(*) FROM issues").fetchone()[0]


def _until(check, failure: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.2)
    return value


def noop(work: Path, size: int, api_url: str) -> float:
    """`cppcc run` over the same pages again: nothing new, no flow run."""
    run = watched([CPPCC, "run", "--json"], env_for(work, f"w{size}", api_url, corpus(work, size)))
    if run.json()["flow_run_id"] is not None:
        raise RuntimeError(f"the no-op re-run started a flow run: {run.stdout}")
    return run.wall


def past_one_machine(work: Path, size: int, api_url: str) -> dict:
    """The same pages three ways: the default local run (SQLite catalog, one writer); parsing on a Dask cluster
    with the flow's process the one writer; a PostgreSQL catalog where every Dask worker parses, validates
    and commits its own batches. The cluster is local (workers × 1 thread on this machine), so this measures
    what the distributed path costs, not what more machines would gain."""
    from distributed import LocalCluster

    from cppcc.pg_cluster import pg_cluster
    from warehouse import read

    inbox = corpus(work, size)
    out = {"pages": size, "dask_workers": DASK_WORKERS, "dask_threads": DASK_THREADS}
    fresh(work, "local")
    out["local"] = watched([CPPCC, "run", "--json"], env_for(work, "local", api_url, inbox)).wall
    with LocalCluster(n_workers=DASK_WORKERS, threads_per_worker=DASK_THREADS, processes=True, dashboard_address=None) as cluster:
        on_dask = [CPPCC, "run", "--json", "--runner", "dask", "--address", cluster.scheduler_address]
        fresh(work, "dask")
        out["dask_one_writer"] = watched(on_dask, env_for(work, "dask", api_url, inbox)).wall
        with pg_cluster() as dsn:
            shutil.rmtree(work / "pg-files", ignore_errors=True)
            env = {**env_for(work, "pg", api_url, inbox), "CPPCC_WAREHOUSE": f"postgres:{dsn}",
                   "CPPCC_DATA_FILES": str(work / "pg-files")}
            shutil.rmtree(env["CPPCC_DATA"], ignore_errors=True)
            out["dask_every_worker"] = watched(on_dask, env).wall
            batches = [h for h in read.history(settings_of(env).lake, limit=100_000) if h["kind"] == "batch"]
            out["committers"] = len({h["pid"] for h in batches})
    return out
