"""The `nightly-ingest` flow: source -> parse -> frames -> validate -> commit, one batch at a time.

One Prefect task per batch and step, never per page or article (each task run costs the server CPU).
Parsing runs one batch ahead on worker processes while the flow validates and commits the previous one;
each batch is one atomic DuckLake commit. With a PostgreSQL catalog on Dask, each worker parses,
validates and commits its own batches (`distributed`): DuckLake resolves the concurrent commits."""
from __future__ import annotations

import gc
import shutil
import time
from collections import deque
from concurrent.futures import Executor
from contextlib import contextmanager, nullcontext
from itertools import repeat
from pathlib import Path

import duckdb
import httpx
from prefect import flow, get_run_logger, runtime, task
from prefect.context import get_run_context
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from cppcc.errors import is_expected
from cppcc.settings import Settings
from transforms import PARSER_VERSION
from warehouse import connection, load, maintenance, read
from warehouse.errors import WarehouseFailure, first_line

from . import FLOW_NAME, cancel, workers
from .batch import BatchFrames, build_frames
from .lock import RunFailed, RunLocked, lock_path, run_lock
from .parsed import ParsedPage, parse_chunk
from .sources import Plan, SourcePage, plan_inbox, plan_stored
from .summary import ARTIFACT_KEY, RunSummary, counts_line

PAGES_PER_CHUNK = 25          # pages a parsing process takes at a time


# ---------------------------------------------------------------- tasks

@task(name="parse-pages", cache_policy=NO_CACHE)
def parse_pages(pages: list[SourcePage], max_bytes: int, pool: Executor | None = None,
                budget: float | None = None) -> list[ParsedPage]:
    """Read and parse a batch, on the worker processes of `pool` (or here, e.g. on a Dask worker)."""
    if pool is None:
        return parse_chunk(pages, max_bytes, budget)
    chunks = [pages[i:i + PAGES_PER_CHUNK] for i in range(0, len(pages), PAGES_PER_CHUNK)]
    return [p for chunk in pool.map(parse_chunk, chunks, repeat(max_bytes), repeat(budget)) for p in chunk]


@task(name="validate-batch", cache_policy=NO_CACHE)
def validate_batch(con: duckdb.DuckDBPyConnection, parsed: list[ParsedPage], in_process: bool = False) -> BatchFrames:
    """One frame per table for the batch's parsed pages, checked by the GX suites (in the validator process,
    or here); pages whose rows fail are marked (stage `validate`) and left out of the frames."""
    frames = build_frames([p for p in parsed if p.ok])
    taken = load.taken_keys(con, frames.tables)
    if in_process:
        from expectations import validate_batch as run_suites

        failures = run_suites(frames.tables, taken)
    else:
        failures = workers.validator().validate(frames.tables, taken)
    for page in parsed:
        if page.ok and page.rows.issues[0]["issue_id"] in failures:
            page.reject("validate", "; ".join(sorted(set(failures[page.rows.issues[0]["issue_id"]]))))
    return frames.without(set(failures)) if failures else frames


def _retry_unless_warehouse_failed(task, task_run, state) -> bool:
    """A conflicting commit is worth retrying; the warehouse's own failure (disk full, read-only) is not."""
    try:
        state.result()
    except WarehouseFailure:
        return False
    except Exception:
        return not cancel.requested()
    return True


@task(name="commit-batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE,
      retry_condition_fn=_retry_unless_warehouse_failed)
def commit_batch(con: duckdb.DuckDBPyConnection, frames: BatchFrames, parsed: list[ParsedPage], run_id: str) -> None:
    """The batch in one atomic commit, with its quarantined pages recorded. Should the commit fail for the
    data's sake, each page is committed on its own so the bad one is isolated (stage `load`)."""
    rejected = [p for p in parsed if not p.ok]
    try:
        load.commit_batch(con, frames.tables, frames.raw_pages, _quarantine_rows(rejected, run_id), run_id)
    except (duckdb.TransactionException, WarehouseFailure):
        raise       # a conflicting commit: the task's retry runs it again; the warehouse's own failure: the run fails
    except duckdb.Error:
        if frames.pages <= 1:
            raise
        _commit_page_by_page(con, frames, parsed, run_id)


def _commit_page_by_page(con, frames: BatchFrames, parsed: list[ParsedPage], run_id: str) -> None:
    rejected = [p for p in parsed if not p.ok]
    load.record_quarantine(con, _quarantine_rows(rejected, run_id), run_id)
    for page in (p for p in parsed if p.ok):
        issue_id = page.rows.issues[0]["issue_id"]
        one = frames.without({i for i in frames.tables["issues"]["issue_id"].to_list() if i != issue_id})
        try:
            load.commit_batch(con, one.tables, one.raw_pages, _quarantine_rows([], run_id), run_id)
        except WarehouseFailure:
            raise                           # no fault of the page: nothing is quarantined
        except duckdb.Error as exc:
            page.reject("load", first_line(exc))
            load.record_quarantine(con, _quarantine_rows([page], run_id), run_id)


@task(name="process-batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def process_batch(settings: Settings, pages: list[SourcePage], run_id: str) -> tuple[list[ParsedPage], dict[str, int]]:
    """Parse, validate and commit one batch with a connection of its own: what a Dask worker does when the
    catalog is PostgreSQL and every worker commits (no single writer). Returns the pages and rows added."""
    parsed = parse_chunk(pages, settings.max_file_bytes, settings.parse_budget_seconds)
    with connection.writer(settings.lake) as con:
        frames = validate_batch.fn(con, parsed, in_process=True)
        commit_batch.fn(con, frames, parsed, run_id)
    return _slim(parsed), {table: frame.height for table, frame in frames.tables.items()}


@task(name="housekeeping", cache_policy=NO_CACHE)
def housekeeping(con: duckdb.DuckDBPyConnection) -> None:
    maintenance.housekeeping(con)


# ---------------------------------------------------------------- the flow

@flow(name=FLOW_NAME, task_runner=ThreadPoolTaskRunner(max_workers=4))
def nightly_ingest(settings: Settings, force: bool = False, source: str = "inbox", only: list[str] | None = None,
                   everything: bool = False, distributed: bool = False) -> dict | State:
    """Load what is new in the inbox (`source="inbox"`), or re-process stored pages (`source="stored"`: those of
    an older parser version, or `everything`). `only` limits the inbox to these names and forces them
    (`cppcc retry`). The plan is made under the run lock, so a run that waited sees what the other loaded.

    A run that fails is recorded (a `runs` row, the artifact) and ends in a Failed state whose message is
    the one-line reason; `run_and_report` turns that into RunFailed for callers."""
    logger = get_run_logger()
    summary = RunSummary(source="retry" if only else source, flow_run_id=str(runtime.flow_run.id or "") or None)
    try:
        with run_lock(lock_path(settings), settings.lock_wait_seconds, on_wait=lambda holder: logger.warning(
                "another run (pid %s) holds the warehouse; waiting up to %.0f s", holder, settings.lock_wait_seconds)):
            with connection.writer(settings.lake) as con:
                _ingest(con, settings, summary, force, source, only, everything, distributed, logger)
                cancel.check()
                summary.finish("Completed")
                load.record_run(con, summary.as_row())
    except Exception as exc:
        cancelled = cancel.requested()     # whatever the stop made fail (a helper process killed), it is the reason
        summary.finish("Cancelled" if cancelled else "Skipped" if isinstance(exc, RunLocked) else "Failed",
                       cancel.reason() if cancelled else first_line(exc))
        if is_expected(exc) or cancelled:  # one the operator can act on: its line says it all; else a bug's traceback
            logger.error("run %s %s: %s", summary.run_id, summary.status.lower(), summary.reason)
        else:
            logger.exception("run %s failed: %s", summary.run_id, summary.reason)
        _record_unfinished_run(settings, summary, logger)
        _publish(summary, logger)
        return cancel.cancelled_state(summary.run_id) if cancelled else \
            Failed(message=f"{summary.status.lower()}: {summary.reason}")
    _publish(summary, logger)
    logger.info("run %s: %s", summary.run_id, counts_line(summary.as_row()))
    return summary.as_dict()


def _ingest(con, settings: Settings, summary: RunSummary, force: bool, source: str, only, everything: bool,
            distributed: bool, logger) -> None:
    cancel.check()
    with _timed(summary, "plan"):
        removed = maintenance.remove_orphaned_files(con)
        if removed:
            logger.info("removed %d data files an interrupted commit left behind", removed)
        if source == "stored":
            plan = plan_stored(read.stored_pages(con, everything, PARSER_VERSION))
        else:
            plan = plan_inbox(Path(settings.inbox), read.known_pages(con), read.quarantined(con),
                              settings.settle_seconds, force, only)
    summary.planned(plan)
    logger.info(counts_line(plan.counters()))
    for name in plan.not_ready:
        logger.info("left for the next run (still being written): %s", name)
    _record_plan_outcomes(con, plan, summary, settings, logger)
    batches = [plan.new[i:i + settings.batch_size] for i in range(0, len(plan.new), settings.batch_size)]
    if distributed:
        futures = [process_batch.submit(settings, b, summary.run_id) for b in batches]   # prefect-dask can't take quote()
        for future in futures:
            parsed, rows = future.result()
            _finish_batch(parsed, rows, summary, settings, logger)
        return _close_run(con, summary)
    # Parsing stays ahead of validation and commits: one batch on local processes, several on a cluster.
    on_cluster = not isinstance(get_run_context().task_runner, ThreadPoolTaskRunner)
    ahead = 4 if on_cluster else 1
    local_pool = not on_cluster and settings.workers > 1 and plan.new
    with workers.parsing_pool(settings.workers) if local_pool else nullcontext() as pool:
        in_flight: deque = deque()
        for batch in batches:
            # quote(): Prefect need not walk the pages looking for futures (prefect-dask mangles quoted values).
            in_flight.append(parse_pages.submit(batch if on_cluster else quote(batch), settings.max_file_bytes, pool,
                                                settings.parse_budget_seconds))
            if len(in_flight) > ahead:
                _validate_and_commit(con, in_flight.popleft(), summary, settings, logger)
        while in_flight:
            _validate_and_commit(con, in_flight.popleft(), summary, settings, logger)
    _data_docs(settings, summary, logger)
    workers.stop_helpers()       # their memory is freed before housekeeping takes its share
    _close_run(con, summary)


def _data_docs(settings: Settings, summary: RunSummary, logger) -> None:
    """The run's validation results into the Data Docs under the data folder (built by the validator process)."""
    from expectations.datadocs import docs_folder

    with _timed(summary, "data_docs"):
        try:
            summary.data_docs = workers.build_docs(docs_folder(settings), summary.run_id)
        except Exception as exc:     # no Data Docs are worth failing a run for
            logger.warning("Data Docs not built: %s", first_line(exc))


def _close_run(con, summary: RunSummary) -> None:
    cancel.check()
    with _timed(summary, "housekeeping"):
        housekeeping(con)
    summary.totals = read.row_counts(con)


def _validate_and_commit(con, future, summary: RunSummary, settings: Settings, logger) -> None:
    cancel.check()        # a run asked to stop commits no further batch
    with _timed(summary, "parse_wait"):
        parsed = future.result()
    with _timed(summary, "validate"):
        frames = validate_batch(con, quote(parsed))
    with _timed(summary, "commit"):
        commit_batch(con, quote(frames), quote(parsed), summary.run_id)
    rows = {table: frame.height for table, frame in frames.tables.items()}
    summary.count_districts(frames.tables["articles"]["district_name"].to_list())
    _finish_batch(_slim(parsed), rows, summary, settings, logger)
    del parsed, frames
    gc.collect()


def _finish_batch(parsed: list[ParsedPage], rows: dict[str, int], summary: RunSummary, settings: Settings,
                  logger) -> None:
    """After the commit: count, log, and move the batch's quarantined inbox files aside."""
    for table, n in rows.items():
        summary.rows_added[table] += n
    for page in parsed:
        if page.ok:
            summary.loaded.append(page.page.name)
        else:
            summary.quarantined.append((page.page.name, page.stage, page.reason))
            logger.warning("quarantined %s at %s: %s", page.page.name, page.stage, page.reason)
            _move_to_quarantine(page.page.path, page.page.name, settings, logger)


def _record_plan_outcomes(con, plan: Plan, summary: RunSummary, settings: Settings, logger) -> None:
    """Renamed files follow their rows; duplicates and unreadable files are recorded (one commit each)."""
    load.rename_pages(con, [(old, page.name) for page, old in plan.renamed], summary.run_id)
    for page, old in plan.renamed:
        logger.info("renamed: %s is the loaded file %s; its rows now carry the new name", page.name, old)
    rows = [(page.name, page.sha256, "duplicate", f"same content as {original}") for page, original in plan.duplicates]
    rows += [(u.name, None, "read", u.reason) for u in plan.unreadable]
    load.record_quarantine(con, load.quarantine_frame(rows, summary.run_id), summary.run_id)
    for page, original in plan.duplicates:
        logger.info("duplicate: %s has the same content as %s; not loaded again", page.name, original)
    for u in plan.unreadable:
        summary.quarantined.append((u.name, "read", u.reason))
        logger.warning("quarantined %s at read: %s", u.name, u.reason)
        _move_to_quarantine(u.path, u.name, settings, logger)


def _quarantine_rows(pages: list[ParsedPage], run_id: str):
    return load.quarantine_frame([(p.page.name, p.sha256 or p.page.sha256, p.stage, p.reason) for p in pages], run_id)


def _slim(parsed: list[ParsedPage]) -> list[ParsedPage]:
    """Drop what the summary no longer needs (rows, raw bytes) before a batch's pages are kept."""
    for page in parsed:
        page.raw, page.rows = b"", None
    return parsed


def _move_to_quarantine(path: Path | None, name: str, settings: Settings, logger) -> None:
    if path is None or not (path.exists() or path.is_symlink()):
        return
    target = Path(settings.quarantine) / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
    except OSError as exc:
        logger.warning("could not move %s to %s: %s", name, target, exc)


@contextmanager
def _timed(summary: RunSummary, stage: str):
    started = time.perf_counter()
    yield
    summary.seconds[stage] += time.perf_counter() - started


def _record_unfinished_run(settings: Settings, summary: RunSummary, logger) -> None:
    """A failed or skipped run still gets its row in `runs` (another commit: appends never conflict)."""
    try:
        with connection.writer(settings.lake) as con:
            load.record_run(con, summary.as_row())
    except Exception as exc:   # the warehouse itself may be what failed
        logger.error("could not record the run in the warehouse: %s", first_line(exc))


def _publish(summary: RunSummary, logger) -> None:
    """The run's summary artifact. The Prefect server not answering, or refusing it, is no reason to fail a run
    (it may be why the run failed): said in the log instead."""
    try:
        create_markdown_artifact(key=ARTIFACT_KEY, markdown=summary.markdown(),
                                 description="files seen / loaded / quarantined, rows added and totals")
    except httpx.HTTPError as exc:      # the server unreachable (TransportError) or answering an error status
        logger.warning("could not publish the run's summary artifact: %s", first_line(exc))


def run_and_report(flow, **parameters) -> dict:
    """Call the flow; its summary, or RunFailed carrying the Failed state's one-line message."""
    state = flow(return_state=True, **parameters)
    if state.is_failed() or state.is_crashed() or state.is_cancelled():
        raise RunFailed(state.message or state.name)
    return state.result()


def on_dask(address: str | None = None):
    """The same flow with its batch tasks on a Dask cluster (prefect-dask). Without an address, a LocalCluster
    of two worker processes. The inbox (and, for `distributed`, the data files) must be shared storage."""
    from prefect_dask import DaskTaskRunner

    runner = DaskTaskRunner(address=address) if address else \
        DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None})
    return nightly_ingest.with_options(task_runner=runner)
