"""Connections, schema, and the page loads (whole pages per transaction: one by default).

Concurrency: DuckDB allows one writer per file, and while a process holds the file no other process
can open it, even read-only. Writers therefore keep connections short (one per batch of pages, one
transaction per page unless a backfill asks for more) and every opener retries with backoff while the
file is busy; two runs are kept apart by a lock file (flows/lock.py)."""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl
import pyarrow as pa

from transforms.lexicons import load_districts

from .errors import QueryError, WarehouseBusy, WarehouseMissing

FACT_TABLES = ("issues", "articles", "proposals", "metrics")
OPEN_RETRY_SECONDS = 30.0


def schema_sql() -> str:
    return resources.files(__package__).joinpath("sql/schema.sql").read_text(encoding="utf-8")


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() or "being used by another process" in text


def connect(path: str | Path, read_only: bool = False, wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, retrying with backoff while another process holds the file (OPEN_RETRY_SECONDS)."""
    path = Path(path)
    wait_seconds = OPEN_RETRY_SECONDS if wait_seconds is None else wait_seconds
    if read_only and not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: run `cppcc run` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline, delay = time.monotonic() + wait_seconds, 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise WarehouseBusy(f"warehouse {path} is busy (another process holds it)") from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def open_warehouse(path: str | Path, read_only: bool = False, wait_seconds: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, wait_seconds=wait_seconds)
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(schema_sql())
    if con.execute("SELECT count(*) FROM districts").fetchone()[0] == 0:
        rows = [(d.code, d.name, d.short_name, d.kind) for d in load_districts()]
        con.executemany("INSERT INTO districts VALUES (?, ?, ?, ?)", rows)


def known_files(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """sha256 -> (source_name, parser_version) of every loaded page."""
    return {sha: (name, version) for sha, name, version in
            con.execute("SELECT sha256, source_name, parser_version FROM issues").fetchall()}


def quarantined_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT DISTINCT sha256 FROM quarantine").fetchall()}


def load_pages(con: duckdb.DuckDBPyConnection, pages: list[tuple[dict[str, pl.DataFrame], bytes]]) -> None:
    """Load whole pages in one transaction: each page's issue_id rows, and an older version's under the same
    name, are replaced. Nothing of a page is ever visible without the rest of it."""
    if not pages:
        return
    now = datetime.now()
    issues = pl.concat([tables["issues"] for tables, _ in pages]).with_columns(
        pl.lit(now).cast(pl.Datetime("us")).alias("loaded_at"))
    # DuckDB reads the local Arrow tables `raw_pages` and `incoming` by their names (replacement scans).
    raw_pages = pa.table({  # noqa: F841
        "issue_id": issues["issue_id"].to_list(), "source_name": issues["source_name"].to_list(),
        "sha256": issues["sha256"].to_list(), "raw": [raw for _, raw in pages],
        "stored_at": pa.array([now] * len(pages), pa.timestamp("us"))})
    con.execute("BEGIN TRANSACTION")
    try:
        old_ids = [r[0] for r in con.execute(
            "SELECT issue_id FROM issues WHERE issue_id IN (SELECT unnest(?::VARCHAR[])) "
            "OR source_name IN (SELECT unnest(?::VARCHAR[]))",
            [issues["issue_id"].to_list(), issues["source_name"].to_list()]).fetchall()]
        for table in FACT_TABLES + ("pages",) if old_ids else ():   # new pages have nothing to replace
            con.execute(f"DELETE FROM {table} WHERE issue_id IN (SELECT unnest(?::VARCHAR[]))", [old_ids])
        for table in FACT_TABLES:
            incoming = (issues if table == "issues" else pl.concat([t[table] for t, _ in pages])).to_arrow()  # noqa: F841
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
        con.execute("INSERT INTO pages BY NAME SELECT * FROM raw_pages")
        con.execute("DELETE FROM quarantine WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))", [issues["sha256"].to_list()])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def load_page(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame], raw: bytes) -> None:
    """One page, one transaction."""
    load_pages(con, [(tables, raw)])


def record_quarantine(con: duckdb.DuckDBPyConnection, source_name: str, sha256: str, stage: str, reason: str) -> None:
    con.execute("DELETE FROM quarantine WHERE sha256 = ? AND source_name = ?", [sha256, source_name])
    con.execute("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)", [source_name, sha256, stage, reason, datetime.now()])


def record_run(con: duckdb.DuckDBPyConnection, run: dict) -> None:
    con.execute("INSERT INTO runs BY NAME SELECT * FROM (SELECT ?::VARCHAR AS run_id, ?::TIMESTAMP AS started_at, "
                "?::TIMESTAMP AS finished_at, ?::INTEGER AS files_seen, ?::INTEGER AS loaded, ?::INTEGER AS skipped, "
                "?::INTEGER AS duplicates, ?::INTEGER AS quarantined, ?::VARCHAR AS status)",
                [run[k] for k in ("run_id", "started_at", "finished_at", "files_seen", "loaded", "skipped",
                                  "duplicates", "quarantined", "status")])


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in FACT_TABLES + ("quarantine",)}


def query(path: str | Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run SQL read-only; (column names, rows)."""
    with open_warehouse(path, read_only=True) as con:
        try:
            cur = con.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(str(exc).splitlines()[0]) from exc
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()


def status(path: str | Path, limit: int = 5) -> dict:
    with open_warehouse(path, read_only=True) as con:
        runs = con.execute("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", [limit]).pl().to_dicts()
        quarantine = con.execute("SELECT source_name, stage, reason, detected_at FROM quarantine "
                                 "ORDER BY detected_at DESC LIMIT 50").pl().to_dicts()
        return {"runs": runs, "counts": row_counts(con), "quarantine": quarantine}


def stored_pages(path: str | Path) -> list[tuple[str, bytes, str]]:
    """(source_name, raw bytes, parser_version) of every stored page, for re-processing."""
    with open_warehouse(path, read_only=True) as con:
        return con.execute("SELECT p.source_name, p.raw, i.parser_version FROM pages p "
                           "JOIN issues i USING (issue_id) ORDER BY p.source_name").fetchall()
