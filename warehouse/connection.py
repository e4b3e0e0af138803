"""Opening the warehouse: a DuckLake — a catalog database (a SQLite file by default, or PostgreSQL) plus
Parquet data files. Every commit is a snapshot; readers see the last committed snapshot and never block
the writer. Extensions are loaded offline from the `duckdb-extension-*` packages (never installed or
autoloaded). `writer` is the pipeline's connection (the schema made when missing); the sandboxed reader
is in `sandbox`. `transaction` and `commit` are the one way anything is written."""
from __future__ import annotations

import importlib
import json
import os
import socket
import sqlite3
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import duckdb

from transforms.lexicons import load_districts

from .config import Lake
from .contract import TABLES, ddl
from .errors import WarehouseError, WarehouseFailure, WarehouseMissing, first_line
from .views import create_views

ALIAS = "wh"
EXTENSION_PACKAGES = {"ducklake": "duckdb_extension_ducklake", "sqlite_scanner": "duckdb_extension_sqlite_scanner",
                      "postgres_scanner": "duckdb_extension_postgres_scanner"}
LOCKED_DOWN = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
               "allow_community_extensions": False}
# Data files are written up to TARGET_FILE_BYTES (housekeeping merges the small ones: `maintenance`).
TARGET_FILE_BYTES = 16_000_000
DUCKDB_MAGIC = b"DUCK"          # bytes 8..12 of a DuckDB database file


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


def catalog_scanner(lake: Lake) -> str:
    """The extension that reads the lake's catalog database."""
    return "postgres_scanner" if lake.uses_postgres else "sqlite_scanner"


def locked_connection(extensions: list[str], statements: list[str], failure: str,
                      config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with no extension install or autoload, the given extensions loaded from their
    packages and `statements` run; any DuckDB error as one WarehouseError line starting with `failure`."""
    try:
        con = duckdb.connect(config={**LOCKED_DOWN, **(config or {})})
    except duckdb.Error as exc:
        raise WarehouseError(f"{failure}: {first_line(exc)}") from None
    try:
        for name in extensions:
            con.execute(f"LOAD '{extension_file(name)}'")
        for statement in statements:
            con.execute(statement)
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"{failure}: {first_line(exc)}") from None
    return con


def attach(lake: Lake, read_only: bool, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """The lake attached as `wh` and in use; a catalog that cannot be opened (missing, corrupt, not a
    DuckLake) is one WarehouseError line."""
    options = f"DATA_PATH '{lake.data_path}', OVERRIDE_DATA_PATH true" + (", READ_ONLY" if read_only else "")
    return locked_connection(["ducklake", catalog_scanner(lake)],
                             [f"ATTACH '{lake.attach_target()}' AS {ALIAS} ({options})", f"USE {ALIAS}"],
                             f"cannot open the warehouse {lake.catalog}", config)


def is_legacy_duckdb_file(path: Path) -> bool:
    """A warehouse of the earlier kind: one DuckDB database file."""
    try:
        with path.open("rb") as f:
            return f.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


def check_not_legacy(lake: Lake) -> None:
    path = lake.catalog_path
    if path is not None and is_legacy_duckdb_file(path):
        raise WarehouseError(f"{path} is a warehouse of the earlier kind (one DuckDB file): "
                             f"migrate it with `cppcc migrate` (or run `cppcc run`, which migrates it first)")


def sqlite_files(catalog: Path) -> list[Path]:
    return [catalog.with_name(catalog.name + suffix) for suffix in ("", "-wal", "-shm")]


def move_catalog(source: Path, target: Path) -> None:
    """Rename a closed SQLite catalog (and any WAL files left) into place."""
    for side, dest in zip(sqlite_files(source), sqlite_files(target)):
        if side.exists():
            side.rename(dest)


def _prepare_catalog_file(path: Path) -> None:
    """A new SQLite catalog in WAL mode: readers (even inside a long transaction) never block the writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")


def _create(lake: Lake) -> None:
    """A new lake, built under a temporary catalog name and moved into place only when its tables exist:
    a catalog file that exists is a complete one, even if creation was killed half-way."""
    building = lake.catalog_path.with_name(lake.catalog_path.name + ".creating")
    for side in sqlite_files(building):
        side.unlink(missing_ok=True)
    _prepare_catalog_file(building)
    con = attach(lake.elsewhere(building), read_only=False)
    try:
        ensure_schema(con, lake)
    finally:
        con.close()
    move_catalog(building, lake.catalog_path)


@contextmanager
def writer(lake: Lake) -> Iterator[duckdb.DuckDBPyConnection]:
    """The pipeline's connection: the lake attached read-write, created if missing."""
    check_not_legacy(lake)
    Path(lake.data_files).mkdir(parents=True, exist_ok=True)
    if lake.catalog_path is not None and not lake.catalog_path.exists():
        _create(lake)
    con = attach(lake, read_only=False)          # a PostgreSQL catalog is created by this ATTACH
    try:
        ensure_schema(con, lake)
        yield con
    finally:
        con.close()


def exists(lake: Lake) -> bool:
    """Is there a warehouse yet? (A SQLite catalog file that exists is complete: see `_create`.)"""
    if lake.catalog_path is not None:
        return lake.catalog_path.exists()
    con = locked_connection(["postgres_scanner"], [f"ATTACH '{lake.libpq}' AS catalog (TYPE postgres, READ_ONLY)"],
                            f"cannot reach the catalog {lake.catalog}")
    try:
        return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'catalog' "
                                "AND table_name = 'ducklake_metadata'").fetchone()[0])
    finally:
        con.close()


def require_warehouse(lake: Lake) -> None:
    if not exists(lake):
        raise WarehouseMissing(f"no warehouse at {lake.catalog}: run `cppcc run` first")
    check_not_legacy(lake)


def ensure_schema(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
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
    retention = f"{int(timedelta(days=lake.keep_snapshots_days).total_seconds())} seconds"
    wanted = {"expire_older_than": (retention, retention), "delete_older_than": (retention, retention),
              "target_file_size": (f"{TARGET_FILE_BYTES}B", str(TARGET_FILE_BYTES))}     # (set as, read back as)
    current = dict(con.execute(f"SELECT option_name, value FROM {ALIAS}.options()").fetchall())
    for option, (value, stored) in wanted.items():
        if current.get(option) != stored:
            con.execute(f"CALL {ALIAS}.set_option('{option}', '{value}')")
    create_views(con, ALIAS)


# ---------------------------------------------------------------- the one way anything is written

_OWN_FAILURES = (duckdb.IOException, duckdb.PermissionException, OSError, sqlite3.OperationalError)
_OWN_MESSAGES = ("no space left", "read-only", "readonly", "disk i/o error", "permission denied")


def own_failure(exc: BaseException) -> bool:
    """Whether a write failed for the warehouse's own sake (disk full, read-only catalog, I/O error), not a page's."""
    text = str(exc).lower()
    return isinstance(exc, _OWN_FAILURES) or any(m in text for m in _OWN_MESSAGES)


def _cause(exc: BaseException) -> str:
    """The line that names the cause: DuckLake wraps it ("Failed to commit …" first, the reason lines below)."""
    for line in str(exc).splitlines():
        if any(m in line.lower() for m in _OWN_MESSAGES):
            return line.strip()
    return first_line(exc)


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
            raise WarehouseFailure(f"the warehouse failed while writing: {_cause(exc)}") from exc
        raise


def commit(con: duckdb.DuckDBPyConnection, info: dict) -> None:
    """COMMIT the open transaction with a commit message that `cppcc history` shows (and which process made it:
    several commit at once with a PostgreSQL catalog)."""
    message = info.get("run_id") or info.get("kind", "")
    info = {**info, "host": socket.gethostname(), "pid": os.getpid()}
    con.execute(f"CALL {ALIAS}.set_commit_message('cppcc', ?, extra_info => ?)", [message, json.dumps(info)])
    con.execute("COMMIT")
