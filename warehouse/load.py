"""Writing: a batch of pages in one atomic commit, quarantine records, renames, the runs log, forgetting a
page. Every write is one `transaction` ending in `commit` (connection.py)."""
from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from .connection import commit, transaction
from .contract import PAGE_TABLES, TABLES, check_value_sets, polars_schema


def replaced_ids(con: duckdb.DuckDBPyConnection, issues: pl.DataFrame) -> list[str]:
    """The loaded pages a batch replaces: the same content (issue_id) or the same file name."""
    return [r[0] for r in con.execute(
        "SELECT issue_id FROM issues WHERE issue_id IN (SELECT unnest(?::VARCHAR[])) "
        "OR source_name IN (SELECT unnest(?::VARCHAR[]))",
        [issues["issue_id"].to_list(), issues["source_name"].to_list()]).fetchall()]


def commit_batch(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], raw_pages: pl.DataFrame,
                 quarantine_rows: pl.DataFrame, run_id: str) -> None:
    """One atomic commit for a batch: the pages' older versions (same content or same name) are replaced,
    their rows and raw bytes inserted, the batch's quarantined files recorded. All or nothing."""
    issues = frames["issues"]
    names = issues["source_name"].to_list() + quarantine_rows["source_name"].to_list()
    with transaction(con):
        old_ids = replaced_ids(con, issues)
        for table in (PAGE_TABLES + ("pages",)) if old_ids else ():
            con.execute(f"DELETE FROM {table} WHERE issue_id IN (SELECT unnest(?::VARCHAR[]))", [old_ids])
        if names:
            con.execute("DELETE FROM quarantine WHERE source_name IN (SELECT unnest(?::VARCHAR[]))", [names])
        for table in PAGE_TABLES:
            insert(con, table, frames[table])
        insert(con, "pages", raw_pages)
        insert(con, "quarantine", quarantine_rows)
        rows = {t: frames[t].height for t in PAGE_TABLES}
        commit(con, {"run_id": run_id, "kind": "batch", "pages": issues.height, "replaced": len(old_ids),
                     "quarantined": quarantine_rows.height, "rows": rows})


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame's rows; those of a table the GX suites do not see have their value sets checked here."""
    if not TABLES[table].per_page:
        check_value_sets(table, frame)
    if frame.height:
        arrow = frame.to_arrow()   # noqa: F841 — DuckDB reads the local `arrow` by name (replacement scan)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM arrow")


def taken_keys(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> dict[str, list[str]]:
    """Per table, the batch's keys that the warehouse already holds for pages other than the batch's own
    (which the commit replaces): each must be empty for keys to stay unique across the warehouse."""
    replaced = replaced_ids(con, frames["issues"])
    out = {}
    for table in PAGE_TABLES:
        key = TABLES[table].key
        keys = frames[table][key].to_list()
        out[table] = [r[0] for r in con.execute(
            f"SELECT {key} FROM {table} WHERE {key} IN (SELECT unnest(?::VARCHAR[])) "
            f"AND issue_id NOT IN (SELECT unnest(?::VARCHAR[]))", [keys, replaced]).fetchall()] if keys else []
    return out


def record_quarantine(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, run_id: str) -> None:
    """Record quarantined files outside a batch (duplicates, files that could not be read) in one commit."""
    if not rows.height:
        return
    with transaction(con):
        con.execute("DELETE FROM quarantine WHERE source_name IN (SELECT unnest(?::VARCHAR[]))",
                    [rows["source_name"].to_list()])
        insert(con, "quarantine", rows)
        commit(con, {"run_id": run_id, "kind": "quarantine", "quarantined": rows.height})


def rename_pages(con: duckdb.DuckDBPyConnection, renames: list[tuple[str, str]], run_id: str) -> None:
    """(old name, new name): a loaded file found under a new name keeps its rows; its name follows."""
    if not renames:
        return
    with transaction(con):
        for old, new in renames:
            for table in ("issues", "pages"):
                con.execute(f"UPDATE {table} SET source_name = ? WHERE source_name = ?", [new, old])
        commit(con, {"run_id": run_id, "kind": "rename", "renamed": len(renames)})


def record_run(con: duckdb.DuckDBPyConnection, run: dict) -> None:
    with transaction(con):
        insert(con, "runs", pl.DataFrame([{c: run.get(c) for c in TABLES["runs"].column_names}],
                                         schema=polars_schema("runs"), orient="row"))
        commit(con, {"run_id": run["run_id"], "kind": "run", "status": run["status"]})


def forget(con: duckdb.DuckDBPyConnection, name: str, run_id: str) -> dict[str, int] | None:
    """Remove one page's rows and raw bytes; a `forgotten` quarantine record keeps later runs from loading
    the file again until `cppcc retry`. None when no page has that name."""
    row = con.execute("SELECT issue_id, sha256 FROM issues WHERE source_name = ?", [name]).fetchone()
    if row is None:
        return None
    issue_id, sha = row
    with transaction(con):
        removed = {}
        for table in PAGE_TABLES + ("pages",):
            removed[table] = con.execute(f"SELECT count(*) FROM {table} WHERE issue_id = ?", [issue_id]).fetchone()[0]
            con.execute(f"DELETE FROM {table} WHERE issue_id = ?", [issue_id])
        con.execute("DELETE FROM quarantine WHERE source_name = ?", [name])
        insert(con, "quarantine", quarantine_frame([(name, sha, "forgotten", "removed by `cppcc forget`")], run_id))
        commit(con, {"run_id": run_id, "kind": "forget", "pages": -1, "source_name": name})
        return removed


def clear_quarantine(con: duckdb.DuckDBPyConnection, name: str, run_id: str) -> int:
    n = con.execute("SELECT count(*) FROM quarantine WHERE source_name = ?", [name]).fetchone()[0]
    if n:
        with transaction(con):
            con.execute("DELETE FROM quarantine WHERE source_name = ?", [name])
            commit(con, {"run_id": run_id, "kind": "retry", "source_name": name})
    return n


def quarantine_frame(rows: list[tuple[str, str | None, str, str]], run_id: str) -> pl.DataFrame:
    now = datetime.now()
    return pl.DataFrame([{"source_name": n, "sha256": s, "stage": st, "reason": r, "detected_at": now,
                          "run_id": run_id} for n, s, st, r in rows], schema=polars_schema("quarantine"), orient="row")
