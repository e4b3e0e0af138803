"""A batch of parsed pages on its way into the warehouse, without Prefect (the flow's tasks and `cppcc check
--repair` both take it): its frames (built by the parsing processes, `frames.py`) checked by the GX suites, then
one atomic commit. Each step's outcome is a value (`Validated`, `Committed`): which pages go on, which were set
aside and why. No step changes a page."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse import load
from warehouse.errors import WarehouseFailure, first_line

from . import quarantine
from .frames import BatchFrames
from .parsed import ParsedBatch
from .quarantine import Rejected
from .sources import SourcePage

# The GX suites as the flow runs them (`validator.Validator.validate`) or in this process
# (`expectations.validate_batch`): the batch's frames and the keys the warehouse holds -> issue_id -> failed checks.
Suites = Callable[[dict[str, pl.DataFrame], dict[str, list[str]]], dict[str, list[str]]]


@dataclass
class Validated:
    """A batch the suites have seen: the frames of the pages that passed, and the pages set aside so far."""
    frames: BatchFrames
    sources: dict[str, SourcePage]      # issue_id -> where each page in the frames came from
    rejected: list[Rejected]            # at parse, or by the suites (stage `validate`, the checks' names)


@dataclass
class Committed:
    """A batch in the warehouse: what it added, and every page of it that was set aside, at whatever stage."""
    loaded: list[str]                   # the names of the pages committed
    rejected: list[Rejected]
    rows: dict[str, int]                # rows added per page table
    districts: list[str | None]         # the district of each article row added


def validate(con: duckdb.DuckDBPyConnection, parsed: ParsedBatch, suites: Suites) -> Validated:
    """The batch's frames, checked by the GX suites against the batch and the warehouse."""
    frames = parsed.frames
    failures = suites(frames.tables, load.taken_keys(con, frames.tables))
    issue_ids = frames.issue_ids()
    sources, failed = {}, []
    for page in (p for p in parsed.pages if p.ok):
        issue_id = issue_ids[page.page.name]
        if issue_id in failures:
            failed.append(quarantine.rejected(page, "validate", "; ".join(sorted(set(failures[issue_id])))))
        else:
            sources[issue_id] = page.page
    return Validated(frames.without(set(failures)) if failures else frames, sources,
                     quarantine.at_parse(parsed.pages) + failed)


def commit(con: duckdb.DuckDBPyConnection, batch: Validated, run_id: str) -> Committed:
    """The batch in one atomic commit, with its rejected pages recorded. Should the commit fail for the data's
    sake, each page is committed on its own, so that the bad one is isolated (stage `load`).

    A conflicting commit (TransactionException) is raised for the caller to retry; the warehouse's own failure
    (WarehouseFailure: disk full, read-only) fails the run and quarantines nothing."""
    try:
        load.commit_batch(con, batch.frames.tables, batch.frames.raw_pages, quarantine.rows(batch.rejected, run_id),
                          run_id)
    except (duckdb.TransactionException, WarehouseFailure):
        raise
    except duckdb.Error:
        if batch.frames.pages <= 1:
            raise
        failed_at_load = commit_page_by_page(con, batch, run_id)
        return _committed(batch, batch.rejected + failed_at_load)
    return _committed(batch, batch.rejected)


def commit_page_by_page(con: duckdb.DuckDBPyConnection, batch: Validated, run_id: str) -> list[Rejected]:
    """The fallback of `commit`: the rejected pages recorded, then every page committed alone; the pages whose
    commit failed (recorded at stage `load`)."""
    load.record_quarantine(con, quarantine.rows(batch.rejected, run_id), run_id)
    failed = []
    for issue_id, page in batch.sources.items():
        one = batch.frames.only(issue_id)
        try:
            load.commit_batch(con, one.tables, one.raw_pages, quarantine.rows([], run_id), run_id)
        except WarehouseFailure:
            raise                           # no fault of the page: nothing is quarantined
        except duckdb.Error as exc:
            failed.append(Rejected(page.name, one.raw_pages["sha256"][0], "load", first_line(exc), page.path))
            load.record_quarantine(con, quarantine.rows(failed[-1:], run_id), run_id)
    return failed


def _committed(batch: Validated, rejected: list[Rejected]) -> Committed:
    failed_at_load = {r.name for r in rejected if r.stage == "load"}
    kept = [i for i, page in batch.sources.items() if page.name not in failed_at_load]
    frames = batch.frames.without(set(batch.sources) - set(kept)) if failed_at_load else batch.frames
    return Committed([batch.sources[i].name for i in kept], rejected, frames.rows(),
                     frames.tables["articles"]["district_name"].to_list())
