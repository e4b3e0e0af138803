"""`cppcc sql`: the DuckDB CLI on a private snapshot of the warehouse.

DuckDB's sandbox (`allowed_directories`) grants read *and* write, so a CLI session allowed to read the
warehouse's data files could also overwrite them (`COPY … TO` into that folder). The session therefore
works on a copy taken when it starts — the catalog through SQLite's backup API (consistent even during a
load), the data files as files — attached READ_ONLY under the same settings as `cppcc query`, in the CLI's
safe mode (no `.shell`, `.output`, `.read`, `getenv`). Whatever is typed, the warehouse cannot change; the
copy is deleted when the session ends."""
from __future__ import annotations

import importlib
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from warehouse import lake
from warehouse.errors import WarehouseError


def cli_binary() -> Path:
    try:
        package = Path(importlib.import_module("duckdb_cli").__file__).parent
    except ImportError:
        raise WarehouseError("the duckdb-cli package is not installed (pip install duckdb-cli==1.5.5)") from None
    return package / "duckdb"


def snapshot(settings, folder: Path):
    """Copy the catalog and data files into `folder`; settings that point at the copy."""
    catalog = settings.catalog_path
    if catalog is None:
        raise WarehouseError("`cppcc sql` works on SQLite-catalog warehouses; with PostgreSQL, attach it from "
                             "DuckDB with READ_ONLY (see README)")
    lake.require_warehouse(settings)
    lake.check_not_legacy(settings)
    copy = folder / "warehouse.ducklake"
    with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    shutil.copytree(settings.data_files, folder / "warehouse.ducklake.files")
    return settings.model_copy(update={"warehouse": str(copy), "data_files": folder / "warehouse.ducklake.files"})


def init_script(settings) -> str:
    data_path = str(Path(settings.data_files).resolve()) + "/"
    statements = [f"LOAD '{lake.extension_file('ducklake')}'", f"LOAD '{lake.extension_file('sqlite_scanner')}'",
                  f"ATTACH '{lake.attach_target(settings)}' AS {lake.ALIAS} "
                  f"(READ_ONLY, DATA_PATH '{data_path}', OVERRIDE_DATA_PATH true)",
                  f"USE {lake.ALIAS}"]
    # Everything of the reader's sandbox but the final lock: the CLI's safe mode turns external access off
    # and locks the configuration itself.
    statements += [s for s in lake.sandbox_statements(settings) if "enable_external_access" not in s
                   and "lock_configuration" not in s]
    return "\n".join(s + ";" for s in statements) + "\n.safe_mode\n"


def run_shell(settings, extra_args: list[str]) -> int:
    binary = cli_binary()
    with tempfile.TemporaryDirectory(prefix="cppcc-sql-") as scratch:
        copy = snapshot(settings, Path(scratch))
        init = Path(scratch) / "init.sql"
        init.write_text(init_script(copy))
        return subprocess.call([str(binary), "-init", str(init), *extra_args])
