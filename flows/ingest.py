"""The `nightly-ingest` flow: source -> parse -> frames -> validate -> commit, one batch at a time.

Read top to bottom: the flow, its plan, then the three ways its batches are scheduled, then what happens after
each batch and at the end. The tasks are in tasks.py (their work in batch.py), files set aside in quarantine.py,
what the run reports in summary.py, how it is run (and on Dask) in runners.py.

Parsing runs one batch ahead on worker processes while the flow validates and commits the previous one;
each batch is one atomic DuckLake commit. With a PostgreSQL catalog on Dask, each worker parses,
validates and commits its own batches (`distributed`): DuckLake resolves the concurrent commits."""
# No `from __future__ import annotations` here: the runs `cppcc serve` starts get the flow pickled by value,
# and Prefect validates their parameters from the signature's annotations, which must then be objects, not names.
import gc
from collections import deque
from contextlib import nullcontext
from pathlib import Path

from prefect import flow, get_run_logger, runtime
from prefect.context import get_run_context
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from cppcc.errors import is_expected
from cppcc.settings import Settings
from transforms import PARSER_VERSION
from warehouse import connection, load, maintenance, read
from warehouse.errors import first_line

from . import FLOW_NAME, cancel, quarantine, validator, workers
from .batch import Committed
from .lock import RunLocked, lock_path, run_lock
from .sources import Plan, plan_inbox, plan_stored, take
from .summary import RunSummary, counts_line, publish
from .tasks import commit_batch, housekeeping, parse_pages, process_batch, validate_batch


@flow(name=FLOW_NAME, task_runner=ThreadPoolTaskRunner(max_workers=4))
def nightly_ingest(settings: Settings, force: bool = False, source: str = "inbox", only: list[str] | None = None,
                   everything: bool = False, distributed: bool = False, preview_key: str | None = None) -> dict | State:
    """Load what is new in the inbox (`source="inbox"`), or re-process stored pages (`source="stored"`: those of
    an older parser version, or `everything`). `only` limits the inbox to these names and forces them
    (`cppcc retry`). The plan is made under the run lock, so a run that waited sees what the other loaded;
    `preview_key` names the plan `cppcc run` made just before (`sources.hand_over`), whose hashes it reuses.

    A run that fails is recorded (a `runs` row, the artifact) and ends in a Failed state whose message is
    the one-line reason; `runners.run_and_report` turns that into RunFailed for callers."""
    logger = get_run_logger()
    summary = RunSummary(source="retry" if only else source, flow_run_id=str(runtime.flow_run.id or "") or None)
    try:
        if not distributed and not _on_cluster():    # a run `cppcc serve` started: its helpers ready while it plans
            workers.start_early(settings.workers)
        with run_lock(lock_path(settings), settings.lock_wait_seconds, on_wait=lambda holder: logger.warning(
                "another run (pid %s) holds the warehouse; waiting up to %.0f s", holder, settings.lock_wait_seconds)):
            with connection.writer(settings.lake) as con:
                plan = _plan(con, settings, summary, force, source, only, everything, take(preview_key), logger)
                _record_plan_outcomes(con, plan, summary, settings, logger)
                batches = [plan.new[i:i + settings.batch_size] for i in range(0, len(plan.new), settings.batch_size)]
                if distributed:
                    _each_worker_commits(batches, summary, settings, logger)
                else:
                    _parse_ahead(con, batches, summary, settings, logger)
                    _data_docs(settings, summary, logger)
                    if validator.warm():
                        logger.info("validated by the validator `cppcc serve` keeps loaded between runs")
                    workers.stop_helpers()       # their memory is freed before housekeeping takes its share
                cancel.check()
                with summary.timed("housekeeping"):
                    housekeeping(con)
                summary.totals = read.row_counts(con)
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
        publish(summary, logger)
        return cancel.cancelled_state(summary.run_id) if cancelled else \
            Failed(message=f"{summary.status.lower()}: {summary.reason}")
    publish(summary, logger)
    logger.info("run %s: %s", summary.run_id, counts_line(summary.as_row()))
    return summary.as_dict()


def _plan(con, settings: Settings, summary: RunSummary, force: bool, source: str, only, everything: bool,
          preview: Plan | None, logger) -> Plan:
    """What the run will do, from the warehouse as it stands under the lock (and the files of an interrupted
    commit removed first). The preview's hashes serve for files unchanged since."""
    cancel.check()
    with summary.timed("plan"):
        removed = maintenance.remove_orphaned_files(con)
        if removed:
            logger.info("removed %d data files an interrupted commit left behind", removed)
        if source == "stored":
            plan = plan_stored(read.stored_pages(con, everything, PARSER_VERSION))
        else:
            plan = plan_inbox(Path(settings.inbox), read.known_pages(con), read.quarantined(con),
                              settings.settle_seconds, force, only, earlier=preview)
    summary.planned(plan)
    logger.info(counts_line(plan.counters()))
    for name in plan.not_ready:
        logger.info("left for the next run (still being written): %s", name)
    return plan


def _record_plan_outcomes(con, plan: Plan, summary: RunSummary, settings: Settings, logger) -> None:
    """Renamed files follow their rows; new duplicates and unreadable files are recorded (one commit each)."""
    load.rename_pages(con, [(old, page.name) for page, old in plan.renamed], summary.run_id)
    for page, old in plan.renamed:
        logger.info("renamed: %s is the loaded file %s; its rows now carry the new name", page.name, old)
    duplicates, unreadable = quarantine.duplicates(plan), quarantine.unreadable(plan)
    load.record_quarantine(con, quarantine.rows(duplicates + unreadable, summary.run_id), summary.run_id)
    for page, original in plan.duplicates:
        logger.info("duplicate: %s has the same content as %s; not loaded again", page.name, original)
    summary.set_aside(unreadable)
    quarantine.move_aside(unreadable, Path(settings.quarantine), logger)


# ---------------------------------------------------------------- scheduling the batches

def _parse_ahead(con, batches: list, summary: RunSummary, settings: Settings, logger) -> None:
    """This process validates and commits; parsing stays ahead of it: one batch on local processes (a pool of
    `settings.workers`), several on a cluster (the flow's task runner is Dask's)."""
    on_cluster = _on_cluster()
    ahead = 4 if on_cluster else 1
    warm = not on_cluster and len(batches) == 1 and validator.warm()   # a night `cppcc serve` runs: parsed there
    local_pool = not on_cluster and not warm and settings.workers > 1 and batches
    if warm:
        logger.info("parsed by the validator `cppcc serve` keeps loaded, which has the parser loaded too")
    with workers.parsing_pool(settings.workers) if local_pool else nullcontext(
            validator.WarmParsing() if warm else None) as pool:
        in_flight: deque = deque()
        for pages in batches:
            # quote(): Prefect need not walk the pages looking for futures (prefect-dask mangles quoted values).
            in_flight.append(parse_pages.submit(pages if on_cluster else quote(pages), settings.max_file_bytes, pool,
                                                settings.parse_budget_seconds))
            if len(in_flight) > ahead:
                _validate_and_commit(con, in_flight.popleft(), summary, settings, logger)
        while in_flight:
            _validate_and_commit(con, in_flight.popleft(), summary, settings, logger)


def _on_cluster() -> bool:
    """Are the flow's tasks on a cluster (the task runner is Dask's), rather than in this process's threads?"""
    return not isinstance(get_run_context().task_runner, ThreadPoolTaskRunner)


def _validate_and_commit(con, parsing, summary: RunSummary, settings: Settings, logger) -> None:
    cancel.check()        # a run asked to stop commits no further batch
    with summary.timed("parse_wait"):
        parsed = parsing.result()
    with summary.timed("validate"):
        validated = validate_batch(con, quote(parsed))
    del parsed                                  # the rows live on in the frames, the raw bytes in raw_pages
    with summary.timed("commit"):
        committed = commit_batch(con, quote(validated), summary.run_id)
    del validated
    gc.collect()
    _after_commit(committed, summary, settings, logger)


def _each_worker_commits(batches: list, summary: RunSummary, settings: Settings, logger) -> None:
    """A PostgreSQL catalog on Dask: every worker parses, validates and commits whole batches."""
    futures = [process_batch.submit(settings, pages, summary.run_id) for pages in batches]  # prefect-dask can't take quote()
    for future in futures:
        _after_commit(future.result(), summary, settings, logger)


# ---------------------------------------------------------------- after each batch, and at the end

def _after_commit(committed: Committed, summary: RunSummary, settings: Settings, logger) -> None:
    """Count the batch, and move its rejected inbox files aside now that their records are committed."""
    summary.committed(committed)
    quarantine.move_aside(committed.rejected, Path(settings.quarantine), logger)


def _data_docs(settings: Settings, summary: RunSummary, logger) -> None:
    """The run's validation results into the Data Docs under the data folder (built by the validator process)."""
    from expectations.datadocs import docs_folder

    with summary.timed("data_docs"):
        try:
            summary.data_docs = validator.build_docs(docs_folder(settings), summary.run_id)
        except Exception as exc:     # no Data Docs are worth failing a run for
            logger.warning("Data Docs not built: %s", first_line(exc))


def _record_unfinished_run(settings: Settings, summary: RunSummary, logger) -> None:
    """A failed or skipped run still gets its row in `runs` (another commit: appends never conflict)."""
    try:
        with connection.writer(settings.lake) as con:
            load.record_run(con, summary.as_row())
    except Exception as exc:   # the warehouse itself may be what failed
        logger.error("could not record the run in the warehouse: %s", first_line(exc))
