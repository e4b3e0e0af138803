"""The flow's Prefect tasks: one per batch and step, never per page or article (each task run costs the server
CPU). They orchestrate; what they do is `flows.batch` (frames, the suites, the commit) and the parser."""
from __future__ import annotations

from concurrent.futures import Executor
from itertools import repeat

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE

from cppcc.settings import Settings
from warehouse import connection, maintenance
from warehouse.errors import WarehouseFailure

from . import batch, cancel, validator
from .batch import Committed, Validated
from .parsed import ParsedBatch, joined, parse_to_frames
from .sources import SourcePage

PAGES_PER_CHUNK = 25          # pages a parsing process takes at a time


@task(name="parse-pages", cache_policy=NO_CACHE)
def parse_pages(pages: list[SourcePage], max_bytes: int, pool: Executor | None = None,
                budget: float | None = None) -> ParsedBatch:
    """Read and parse a batch, its rows made columns, on the worker processes of `pool` (or here, e.g. on a Dask
    worker); a page over the parse `budget` (seconds) is set aside."""
    if pool is None:
        return parse_to_frames(pages, max_bytes, budget)
    chunks = [pages[i:i + PAGES_PER_CHUNK] for i in range(0, len(pages), PAGES_PER_CHUNK)]
    return joined(list(pool.map(parse_to_frames, chunks, repeat(max_bytes), repeat(budget))))


@task(name="validate-batch", cache_policy=NO_CACHE)
def validate_batch(con: duckdb.DuckDBPyConnection, parsed: ParsedBatch) -> Validated:
    """The batch's frames, checked by the GX suites in the run's validator process."""
    return batch.validate(con, parsed, validator.validator().validate)


def _retry_unless_warehouse_failed(task, task_run, state) -> bool:
    """A conflicting commit is worth retrying; the warehouse's own failure (disk full, read-only) is not, nor
    anything once the run was asked to stop."""
    return not isinstance(state.result(raise_on_failure=False), WarehouseFailure) and not cancel.requested()


@task(name="commit-batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE,
      retry_condition_fn=_retry_unless_warehouse_failed)
def commit_batch(con: duckdb.DuckDBPyConnection, validated: Validated, run_id: str) -> Committed:
    """The batch in one atomic commit (page by page should that fail for a page's sake)."""
    return batch.commit(con, validated, run_id)


@task(name="process-batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def process_batch(settings: Settings, pages: list[SourcePage], run_id: str) -> Committed:
    """Parse, validate and commit one batch with a connection of its own: what a Dask worker does when the
    catalog is PostgreSQL and every worker commits (no single writer). The suites run in this process."""
    from expectations import validate_batch as suites

    parsed = parse_to_frames(pages, settings.max_file_bytes, settings.parse_budget_seconds)
    with connection.writer(settings.lake) as con:
        return batch.commit(con, batch.validate(con, parsed, suites), run_id)


@task(name="housekeeping", cache_policy=NO_CACHE)
def housekeeping(con: duckdb.DuckDBPyConnection) -> None:
    maintenance.housekeeping(con)
