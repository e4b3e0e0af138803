"""Taking damaged files out of the warehouse, in the catalog itself: a file DuckLake cannot read cannot be
deleted through DuckLake (a DELETE reads the rows it removes). So one snapshot of our own, written into the
catalog database the way DuckLake writes one, ends the damaged data files (and their delete files) and
lowers the tables' row counts; earlier snapshots keep them, as they keep any file a later commit dropped,
and housekeeping removes them once those snapshots expire. The rows they held are gone from the current
snapshot; `flows/repair.py` loads their pages again.

Only while holding the run lock, with no DuckLake connection of this process open."""
from __future__ import annotations

import json
import os
import socket

import duckdb

from .check import LakeFile
from .config import Lake
from .errors import WarehouseError, first_line
from . import connection

CATALOG = "catalog"


def _catalog(lake: Lake) -> duckdb.DuckDBPyConnection:
    """The catalog database itself (SQLite or PostgreSQL), not the lake."""
    if lake.uses_postgres:
        attach = f"ATTACH '{lake.libpq}' AS {CATALOG} (TYPE postgres)"
    else:
        attach = f"ATTACH '{lake.catalog_path.resolve()}' AS {CATALOG} (TYPE sqlite)"
    return connection.locked_connection([connection.catalog_scanner(lake)], [attach],
                                        f"cannot open the catalog {lake.catalog}")


def retire_files(lake: Lake, files: list[LakeFile], info: dict) -> int | None:
    """End the data files of `files` (a delete file stands for its data file: without it, which rows were
    deleted is unknown) in one new snapshot; its id, or None when none of them is current any more."""
    data_ids = sorted({f.data_file_id for f in files if f.data_file_id >= 0})
    if not data_ids:
        return None
    con = _catalog(lake)
    try:
        c = f"{CATALOG}.main" if not lake.uses_postgres else f"{CATALOG}.public"
        ids = "(" + ", ".join(str(i) for i in data_ids) + ")"
        with connection.transaction(con):
            current = con.execute(f"SELECT data_file_id, table_id, record_count, file_size_bytes FROM {c}.ducklake_data_file "
                                  f"WHERE end_snapshot IS NULL AND data_file_id IN {ids}").fetchall()
            if not current:
                con.execute("ROLLBACK")
                return None
            snapshot, schema_version, next_catalog_id, next_file_id = con.execute(
                f"SELECT snapshot_id, schema_version, next_catalog_id, next_file_id FROM {c}.ducklake_snapshot "
                f"ORDER BY snapshot_id DESC LIMIT 1").fetchone()
            new = snapshot + 1
            deleted = dict(con.execute(
                f"SELECT data_file_id, sum(delete_count) FROM {c}.ducklake_delete_file "
                f"WHERE end_snapshot IS NULL AND data_file_id IN {ids} GROUP BY ALL").fetchall())
            per_table: dict[int, list[int]] = {}
            for file_id, table_id, rows, size in current:
                lost = per_table.setdefault(table_id, [0, 0])
                lost[0] += rows - int(deleted.get(file_id) or 0)
                lost[1] += size or 0
            con.execute(f"INSERT INTO {c}.ducklake_snapshot VALUES (?, ?, ?, ?, ?)",
                        [new, _now(con), schema_version, next_catalog_id, next_file_id])
            changes = ",".join(f"deleted_from_table:{t}" for t in sorted(per_table))
            extra = {**info, "kind": "repair", "host": socket.gethostname(), "pid": os.getpid()}
            con.execute(f"INSERT INTO {c}.ducklake_snapshot_changes VALUES (?, ?, 'cppcc', 'repair', ?)",
                        [new, changes, json.dumps(extra)])
            kept = "(" + ", ".join(str(r[0]) for r in current) + ")"
            con.execute(f"UPDATE {c}.ducklake_data_file SET end_snapshot = ? WHERE data_file_id IN {kept}", [new])
            con.execute(f"UPDATE {c}.ducklake_delete_file SET end_snapshot = ? "
                        f"WHERE end_snapshot IS NULL AND data_file_id IN {kept}", [new])
            for table_id, (rows, size) in per_table.items():
                con.execute(f"UPDATE {c}.ducklake_table_stats SET record_count = greatest(record_count - ?, 0), "
                            f"file_size_bytes = greatest(file_size_bytes - ?, 0) WHERE table_id = ?", [rows, size, table_id])
            con.execute("COMMIT")
            return new
    except duckdb.Error as exc:
        raise WarehouseError(f"could not take the damaged files out of the catalog: {first_line(exc)}") from None
    finally:
        con.close()


def _now(con: duckdb.DuckDBPyConnection) -> str:
    """A snapshot time as DuckLake writes it into the catalog (UTC, `+00`)."""
    return con.execute("SELECT strftime(now() AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f') || '+00'").fetchone()[0]
