"""A batch of parsed pages on its way into the warehouse, without Prefect (the flow's tasks and `cppcc check
--repair` both take it): one polars frame per table, typed by the contract and built once; the GX suites'
verdict; one atomic commit. Each step's outcome is a value (`Validated`, `Committed`): which pages go on,
which were set aside and why. No step changes a page."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from warehouse import load
from warehouse.contract import PAGE_TABLES, TABLES, polars_schema
from warehouse.errors import WarehouseFailure, first_line

from . import quarantine
from .parsed import ParsedPage
from .quarantine import Rejected
from .sources import SourcePage

# The GX suites as the flow runs them (`workers.Validator.validate`) or in this process
# (`expectations.validate_batch`): the batch's frames and the keys the warehouse holds -> issue_id -> failed checks.
Suites = Callable[[dict[str, pl.DataFrame], dict[str, list[str]]], dict[str, list[str]]]


@dataclass
class BatchFrames:
    tables: dict[str, pl.DataFrame]     # the page tables
    raw_pages: pl.DataFrame             # the `pages` table: raw bytes of each page

    @property
    def pages(self) -> int:
        return self.tables["issues"].height

    def without(self, issue_ids: set[str]) -> "BatchFrames":
        keep = ~pl.col("issue_id").is_in(list(issue_ids))
        return BatchFrames({t: f.filter(keep) for t, f in self.tables.items()}, self.raw_pages.filter(keep))

    def only(self, issue_id: str) -> "BatchFrames":
        keep = pl.col("issue_id") == issue_id
        return BatchFrames({t: f.filter(keep) for t, f in self.tables.items()}, self.raw_pages.filter(keep))

    def rows(self) -> dict[str, int]:
        return {table: frame.height for table, frame in self.tables.items()}


def build_frames(pages: list[ParsedPage], now: datetime | None = None) -> BatchFrames:
    """Rows of the parsed pages -> one frame per table. A row must have exactly the contract's columns."""
    now = now or datetime.now()
    rows: dict[str, list[dict]] = {t: [] for t in PAGE_TABLES}
    for page in pages:
        for table, table_rows in page.rows.tables().items():
            rows[table].extend(table_rows)
    tables = {}
    for table in PAGE_TABLES:
        columns = TABLES[table].column_names
        if rows[table] and set(rows[table][0]) != set(columns):
            raise ValueError(f"{table} rows have columns {sorted(rows[table][0])}, the contract {sorted(columns)}")
        data = {c: [r[c] for r in rows[table]] for c in columns}
        tables[table] = pl.DataFrame(data, schema=polars_schema(table))
    tables["issues"] = tables["issues"].with_columns(pl.lit(now, pl.Datetime("us")).alias("loaded_at"))
    issues = tables["issues"]
    raw_pages = pl.DataFrame({"issue_id": issues["issue_id"], "source_name": issues["source_name"],
                              "sha256": issues["sha256"], "raw": [p.raw for p in pages],
                              "stored_at": [now] * len(pages)}, schema=polars_schema("pages"))
    return BatchFrames(tables, raw_pages)


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


def validate(con: duckdb.DuckDBPyConnection, parsed: list[ParsedPage], suites: Suites) -> Validated:
    """The frames of the batch's parsed pages, checked by the GX suites against the batch and the warehouse."""
    ok = [p for p in parsed if p.ok]
    frames = build_frames(ok)
    failures = suites(frames.tables, load.taken_keys(con, frames.tables))
    sources, failed = {}, []
    for page in ok:
        issue_id = page.rows.issues[0]["issue_id"]
        if issue_id in failures:
            failed.append(quarantine.rejected(page, "validate", "; ".join(sorted(set(failures[issue_id])))))
        else:
            sources[issue_id] = page.page
    return Validated(frames.without(set(failures)) if failures else frames, sources,
                     quarantine.at_parse(parsed) + failed)


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
