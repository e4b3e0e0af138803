"""The warehouse: a DuckLake — a catalog database (a SQLite file by default, or PostgreSQL) plus Parquet
data files. Every commit is a snapshot; readers see the last committed snapshot and never block the writer.

Connections come from two functions: `writer` (the pipeline's) and `reader` (every read path the project
offers: `cppcc query`, `status`, `history`, `sql`, the run's plan), which runs under a sandbox:
read-only attach, no file access outside the warehouse's own data files, no extension install or
autoload, configuration locked. Extensions are loaded offline from the `duckdb-extension-*` packages.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import socket
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from transforms.lexicons import load_districts

from .contract import PAGE_TABLES, TABLES, ddl, polars_schema
from .views import create_views
from .errors import QueryError, WarehouseError, WarehouseFailure, WarehouseMissing, first_line

ALIAS = "wh"
EXTENSION_PACKAGES = {"ducklake": "duckdb_extension_ducklake", "sqlite_scanner": "duckdb_extension_sqlite_scanner",
                      "postgres_scanner": "duckdb_extension_postgres_scanner"}
LOCKED_DOWN = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
               "allow_community_extensions": False}
# Data files are written up to TARGET_FILE_BYTES; housekeeping merges those below SMALL_FILE_BYTES (past a
# few megabytes a Parquet file scans as fast as a bigger one, and merging holds what it merges in memory).
TARGET_FILE_BYTES = 16_000_000
SMALL_FILE_BYTES = 2_000_000
READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}
# Functions a query may not call: those of the catalog extensions open files and databases themselves,
# past DuckDB's file sandbox (sqlite_scan reads any SQLite file), and DuckLake's maintenance functions
# write; DuckLake's reading functions (snapshots, table changes, file lists) stay allowed.
REFUSED_FUNCTIONS = re.compile(r"^(sqlite_|postgres_|ducklake_(?!snapshots|table_|list_files|options|current_snapshot"
                               r"|last_committed_snapshot))", re.I)
DUCKDB_MAGIC = b"DUCK"          # bytes 8..12 of a DuckDB database file
SQLITE_MAGIC = b"SQLite format 3\x00"


def extension_file(name: str) -> Path:
    """The extension built for this DuckDB, from its registry package (never downloaded)."""
    package = EXTENSION_PACKAGES[name]
    try:
        root = Path(importlib.import_module(package).__file__).parent
    except ImportError:
        raise WarehouseError(f"the {package.replace('_', '-')} package is not installed "
                             f"(pip install {package.replace('_', '-')}=={duckdb.__version__})") from None
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        found = sorted(p.parent.name for p in root.glob(f"extensions/*/{name}.duckdb_extension"))
        raise WarehouseError(f"{package} has no build for duckdb {duckdb.__version__} (it has {found}): "
                             f"pin duckdb to the extension's version")
    return path


def attach_target(settings) -> str:
    if settings.uses_postgres:
        return f"ducklake:{settings.warehouse}"
    return f"ducklake:sqlite:{Path(settings.warehouse).resolve()}"


def is_legacy_duckdb_file(path: Path) -> bool:
    """A warehouse of the earlier kind: one DuckDB database file."""
    try:
        with path.open("rb") as f:
            return f.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


def locked_connection(extensions: list[str], statements: list[str], failure: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with no extension install or autoload, the given extensions loaded from their
    packages and `statements` run; any DuckDB error as one WarehouseError line starting with `failure`."""
    con = duckdb.connect(config=dict(LOCKED_DOWN))
    try:
        for name in extensions:
            con.execute(f"LOAD '{extension_file(name)}'")
        for statement in statements:
            con.execute(statement)
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"{failure}: {first_line(exc)}") from None
    return con


def catalog_scanner(settings) -> str:
    """The extension that reads the lake's catalog database."""
    return "postgres_scanner" if settings.uses_postgres else "sqlite_scanner"


def _connect(settings, read_only: bool) -> duckdb.DuckDBPyConnection:
    data_path = str(Path(settings.data_files).resolve()) + "/"
    options = f"DATA_PATH '{data_path}', OVERRIDE_DATA_PATH true" + (", READ_ONLY" if read_only else "")
    return locked_connection(["ducklake", catalog_scanner(settings)],
                             [f"ATTACH '{attach_target(settings)}' AS {ALIAS} ({options})", f"USE {ALIAS}"],
                             f"cannot open the warehouse {settings.warehouse}")


def _prepare_catalog_file(path: Path) -> None:
    """A new SQLite catalog in WAL mode: readers (even inside a long transaction) never block the writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")


def check_not_legacy(settings) -> None:
    path = settings.catalog_path
    if path is not None and is_legacy_duckdb_file(path):
        raise WarehouseError(f"{path} is a warehouse of the earlier kind (one DuckDB file): "
                             f"migrate it with `cppcc migrate` (or run `cppcc run`, which migrates it first)")


def _create(settings) -> None:
    """A new lake, built under a temporary catalog name and moved into place only when its tables exist:
    a catalog file that exists is a complete one, even if creation was killed half-way."""
    building = settings.catalog_path.with_name(settings.catalog_path.name + ".creating")
    for side in sqlite_files(building):
        side.unlink(missing_ok=True)
    _prepare_catalog_file(building)
    con = _connect(settings.model_copy(update={"warehouse": str(building)}), read_only=False)
    try:
        ensure_schema(con, settings)
    finally:
        con.close()
    move_catalog(building, settings.catalog_path)


def sqlite_files(catalog: Path) -> list[Path]:
    return [catalog.with_name(catalog.name + suffix) for suffix in ("", "-wal", "-shm")]


def move_catalog(source: Path, target: Path) -> None:
    """Rename a closed SQLite catalog (and any WAL files left) into place."""
    for side, dest in zip(sqlite_files(source), sqlite_files(target)):
        if side.exists():
            side.rename(dest)


@contextmanager
def writer(settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The pipeline's connection: the lake attached read-write, created if missing."""
    check_not_legacy(settings)
    Path(settings.data_files).mkdir(parents=True, exist_ok=True)
    if settings.catalog_path is not None and not settings.catalog_path.exists():
        _create(settings)
    con = _connect(settings, read_only=False)          # a PostgreSQL catalog is created by this ATTACH
    try:
        ensure_schema(con, settings)
        yield con
    finally:
        con.close()


def exists(settings) -> bool:
    """Is there a warehouse yet? (A SQLite catalog file that exists is complete: see `_create`.)"""
    if settings.catalog_path is not None:
        return settings.catalog_path.exists()
    con = duckdb.connect(config=dict(LOCKED_DOWN))
    try:
        con.execute(f"LOAD '{extension_file('postgres_scanner')}'")
        con.execute(f"ATTACH '{settings.warehouse.removeprefix('postgres:')}' AS catalog (TYPE postgres, READ_ONLY)")
        return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'catalog' "
                                "AND table_name = 'ducklake_metadata'").fetchone()[0])
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot reach the catalog {settings.warehouse}: {first_line(exc)}") from None
    finally:
        con.close()


def require_warehouse(settings) -> None:
    if not exists(settings):
        raise WarehouseMissing(f"no warehouse at {settings.warehouse}: run `cppcc run` first")


@contextmanager
def reader(settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A sandboxed read-only connection: the lake attached READ_ONLY; file access limited to its data files;
    no extension install or autoload; configuration locked."""
    require_warehouse(settings)
    check_not_legacy(settings)
    con = _connect(settings, read_only=True)
    try:
        for statement in sandbox_statements(settings):
            con.execute(statement)
        yield con
    finally:
        con.close()


def sandbox_statements(settings) -> list[str]:
    """The settings that close the reader's connection (also run by `cppcc sql` in the DuckDB CLI)."""
    data_path = str(Path(settings.data_files).resolve()) + "/"
    return [f"SET allowed_directories = ['{data_path}']", "SET enable_external_access = false",
            "SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false",
            "SET lock_configuration = true"]


def ensure_schema(con: duckdb.DuckDBPyConnection, settings) -> None:
    """The contract's tables (created in one commit when missing, districts filled) and the retention options."""
    missing = set(TABLES) - {r[0] for r in con.execute(
        f"SELECT table_name FROM duckdb_tables() WHERE database_name = '{ALIAS}'").fetchall()}
    if missing:
        with transaction(con):
            con.execute(ddl())
            if "districts" in missing:
                rows = [(d.code, d.name, d.short_name, d.kind) for d in load_districts()]
                con.executemany("INSERT INTO districts VALUES (?, ?, ?, ?)", rows)
            commit(con, {"kind": "schema", "created": sorted(missing)})
    retention = _interval(settings.keep_snapshots_days)
    wanted = {"expire_older_than": (retention, retention), "delete_older_than": (retention, retention),
              "target_file_size": (f"{TARGET_FILE_BYTES}B", str(TARGET_FILE_BYTES))}     # (set as, read back as)
    current = dict(con.execute(f"SELECT option_name, value FROM {ALIAS}.options()").fetchall())
    for option, (value, stored) in wanted.items():
        if current.get(option) != stored:
            con.execute(f"CALL {ALIAS}.set_option('{option}', '{value}')")
    create_views(con, ALIAS)


def _interval(days: float) -> str:
    return f"{int(timedelta(days=days).total_seconds())} seconds"


def commit(con: duckdb.DuckDBPyConnection, info: dict) -> None:
    """COMMIT the open transaction with a commit message that `cppcc history` shows (and which process made it:
    several commit at once with a PostgreSQL catalog)."""
    message = info.get("run_id") or info.get("kind", "")
    info = {**info, "host": socket.gethostname(), "pid": os.getpid()}
    con.execute(f"CALL {ALIAS}.set_commit_message('cppcc', ?, extra_info => ?)", [message, json.dumps(info)])
    con.execute("COMMIT")


# ---------------------------------------------------------------- what the warehouse holds

def known_pages(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """sha256 -> (source_name, parser_version) of every loaded page."""
    return {sha: (name, version) for sha, name, version in
            con.execute("SELECT sha256, source_name, parser_version FROM issues").fetchall()}


def quarantined(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """source_name -> (sha256, stage) of the quarantine records."""
    return {name: (sha, stage) for name, sha, stage in
            con.execute("SELECT source_name, sha256, stage FROM quarantine").fetchall()}


# ---------------------------------------------------------------- writing

_OWN_FAILURES = (duckdb.IOException, duckdb.PermissionException, OSError, sqlite3.OperationalError)
_OWN_MESSAGES = ("no space left", "read-only", "readonly", "disk i/o error", "permission denied")


def own_failure(exc: BaseException) -> bool:
    """Whether a write failed for the warehouse's own sake (disk full, read-only catalog, I/O error), not a page's."""
    text = str(exc).lower()
    return isinstance(exc, _OWN_FAILURES) or any(m in text for m in _OWN_MESSAGES)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … (the body COMMITs, see `commit`); on an error ROLLBACK, never masking the error: a ROLLBACK
    that fails (DuckDB has often ended the transaction itself) is dropped. A failure of the warehouse itself
    becomes WarehouseFailure with the real cause in one line."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException as exc:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass                    # "cannot rollback - no transaction is active": the original error is the news
        if isinstance(exc, Exception) and not isinstance(exc, WarehouseError) and own_failure(exc):
            raise WarehouseFailure(f"the warehouse failed while writing: {first_line(exc)}") from exc
        raise


def commit_batch(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], raw_pages: pl.DataFrame,
                 quarantine_rows: pl.DataFrame, run_id: str) -> None:
    """One atomic commit for a batch: the pages' older versions (same content or same name) are replaced,
    their rows and raw bytes inserted, the batch's quarantined files recorded. All or nothing."""
    issues = frames["issues"]
    names = issues["source_name"].to_list() + quarantine_rows["source_name"].to_list()
    with transaction(con):
        old_ids = [r[0] for r in con.execute(
            "SELECT issue_id FROM issues WHERE issue_id IN (SELECT unnest(?::VARCHAR[])) "
            "OR source_name IN (SELECT unnest(?::VARCHAR[]))",
            [issues["issue_id"].to_list(), issues["source_name"].to_list()]).fetchall()]
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
    if frame.height:
        arrow = frame.to_arrow()   # noqa: F841 — DuckDB reads the local `arrow` by name (replacement scan)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM arrow")


def taken_keys(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> dict[str, list[str]]:
    """Per table, the batch's keys that the warehouse already holds for pages other than the batch's own
    (which the commit replaces): each must be empty for keys to stay unique across the warehouse."""
    batch_ids = frames["issues"]["issue_id"].to_list()
    names = frames["issues"]["source_name"].to_list()
    replaced = [r[0] for r in con.execute(
        "SELECT issue_id FROM issues WHERE issue_id IN (SELECT unnest(?::VARCHAR[])) "
        "OR source_name IN (SELECT unnest(?::VARCHAR[]))", [batch_ids, names]).fetchall()]
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


# ---------------------------------------------------------------- reading

def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    """Exactly one read-only statement (DuckDB's parser says which kind it is); (column names, rows)."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(first_line(exc)) from None
    if not statements:
        raise QueryError("no SQL statement given")
    if len(statements) > 1:
        raise QueryError(f"one statement per call, got {len(statements)}")
    kind = statements[0].type.name
    if kind not in READ_ONLY_STATEMENTS:
        raise QueryError(f"read-only: {kind} statements are refused (use --format csv|json to export)")
    if refused := [f for f in called_functions(con, sql) if REFUSED_FUNCTIONS.match(f)]:
        raise QueryError(f"read-only: {refused[0]}() is refused (it writes, or reads outside the warehouse)")
    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        raise QueryError(first_line(exc)) from None
    return [d[0] for d in cur.description], cur.fetchall()


def called_functions(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """Names of the functions a statement calls, from DuckDB's own parse tree (json_serialize_sql). Statements it
    cannot serialize (EXPLAIN, PIVOT) are read conservatively: every name followed by a parenthesis."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if not tree.get("error"):
        return re.findall(r'"function_name":"([^"]+)"', json.dumps(tree, separators=(",", ":")))
    return re.findall(r'"?(\w+)"?\s*\(', sql)


def query(settings, sql: str) -> tuple[list[str], list[tuple]]:
    if not sql.strip():
        raise QueryError("no SQL statement given")
    with reader(settings) as con:
        return run_query(con, sql)


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in PAGE_TABLES + ("quarantine",)}


def status(settings, runs: int = 5, quarantine_limit: int = 50) -> dict:
    with reader(settings) as con:
        recent = con.execute("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", [runs]).pl().to_dicts()
        held = con.execute("SELECT source_name, stage, reason, detected_at FROM quarantine "
                           "ORDER BY detected_at DESC, source_name LIMIT ?", [quarantine_limit]).pl().to_dicts()
        total = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        return {"runs": recent, "counts": row_counts(con), "quarantine": held, "quarantine_total": total}


def history(settings, limit: int = 20) -> list[dict]:
    """Snapshots, newest first: id, time, what committed it (run, kind) and the pages and rows it changed."""
    with reader(settings) as con:
        rows = con.execute(f"SELECT snapshot_id, snapshot_time, commit_message, commit_extra_info "
                           f"FROM {ALIAS}.snapshots() ORDER BY snapshot_id DESC LIMIT ?", [limit]).fetchall()
    out = []
    for snapshot_id, at, message, extra in rows:
        info = json.loads(extra) if extra else {}
        out.append({"snapshot": snapshot_id, "time": at, "run_id": info.get("run_id"),
                    "kind": info.get("kind", "maintenance" if snapshot_id else "created"),
                    "pages": info.get("pages"), "rows": info.get("rows"), "pid": info.get("pid")})
    return out


def stored_pages(con: duckdb.DuckDBPyConnection, everything: bool, parser_version: str,
                 names: list[str] | None = None) -> list[tuple[str, str, bytes]]:
    """(source_name, sha256, raw) of stored pages at another parser version (or all)."""
    sql = ("SELECT p.source_name, p.sha256, p.raw FROM pages p JOIN issues i USING (issue_id) "
           "WHERE (? OR i.parser_version <> ?)")
    params: list = [everything, parser_version]
    if names is not None:
        sql += " AND p.source_name IN (SELECT unnest(?::VARCHAR[]))"
        params.append(names)
    return con.execute(sql + " ORDER BY p.source_name", params).fetchall()
