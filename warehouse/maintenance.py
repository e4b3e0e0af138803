"""Housekeeping after every run, and the files an interrupted commit left behind."""
from __future__ import annotations

import duckdb

from .connection import ALIAS
from .contract import TABLES

# Housekeeping merges data files below SMALL_FILE_BYTES (past a few megabytes a Parquet file scans as fast as a
# bigger one, and merging holds what it merges in memory).
SMALL_FILE_BYTES = 2_000_000


def remove_orphaned_files(con: duckdb.DuckDBPyConnection) -> int:
    """Data files no snapshot refers to: what a commit killed half-way left behind. Only call this while
    holding the run lock (no other writer can be between writing its files and committing them)."""
    return len(con.execute(f"CALL ducklake_delete_orphaned_files('{ALIAS}', older_than => now())").fetchall())


def housekeeping(con: duckdb.DuckDBPyConnection) -> None:
    """What DuckLake's CHECKPOINT does, with small-file merging bounded: rows inlined in the catalog written
    out, snapshots older than the retention setting expired, files below SMALL_FILE_BYTES merged (a night's
    files, never the large ones a backfill wrote, which CHECKPOINT would rewrite every night), files with
    many deleted rows rewritten, and files nothing needs any more deleted. One table at a time, on one
    thread: as fast here, and less than half the memory."""
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        con.execute(f"CALL ducklake_flush_inlined_data('{ALIAS}')")
        con.execute(f"CALL ducklake_expire_snapshots('{ALIAS}')")
        for table in TABLES:
            con.execute(f"CALL ducklake_merge_adjacent_files('{ALIAS}', '{table}', max_file_size => {SMALL_FILE_BYTES})")
        con.execute(f"CALL ducklake_rewrite_data_files('{ALIAS}')")
        con.execute(f"CALL ducklake_cleanup_old_files('{ALIAS}')")
    finally:
        con.execute(f"SET threads = {threads}")
