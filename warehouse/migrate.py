"""Moving a warehouse of the earlier kind (one DuckDB database file) into a DuckLake, once.

Every table the old file has is copied (pages, runs and quarantine included), column by column where
names match, in one commit. The lake is built under a temporary catalog name and renamed into place
only when complete, and the old file is kept beside it as `<name>.pre-ducklake`: a migration killed
half-way leaves the old warehouse as it was and is simply done again."""
from __future__ import annotations

import shutil
from pathlib import Path

from .contract import TABLES
from .errors import WarehouseError
from .config import Lake
from .connection import ALIAS, commit, is_legacy_duckdb_file, move_catalog, sqlite_files, transaction, writer

BACKUP_SUFFIX = ".pre-ducklake"
LEGACY_NAME = "warehouse.duckdb"       # where earlier versions kept the warehouse by default


def legacy_source(lake: Lake, data: Path) -> Path | None:
    """The old warehouse file this configuration still points at, if any: the configured file itself, or the
    earlier default `<data folder>/warehouse.duckdb` when the configured catalog does not exist yet."""
    catalog = lake.catalog_path
    if catalog is None:
        return None
    if is_legacy_duckdb_file(catalog):
        return catalog
    old_default = Path(data) / LEGACY_NAME
    if not catalog.exists() and is_legacy_duckdb_file(old_default):
        return old_default
    return None


def migrate(lake: Lake, legacy: Path) -> dict[str, int]:
    """Copy `legacy` into `lake`; rows copied per table."""
    catalog = lake.catalog_path
    if catalog is None:
        raise WarehouseError("migration into a PostgreSQL catalog: attach it with `cppcc migrate --from FILE` "
                             "on a SQLite catalog first, or copy the tables with DuckDB")
    building = catalog.with_name(catalog.name + ".migrating")
    for side in sqlite_files(building):
        side.unlink(missing_ok=True)
    if catalog == legacy:        # the data files of a half-done earlier attempt
        shutil.rmtree(lake.data_files, ignore_errors=True)
    counts: dict[str, int] = {}
    # The lake is built under a temporary catalog name, with the final data folder.
    with writer(lake.elsewhere(building)) as con:
        con.execute(f"ATTACH '{legacy.resolve()}' AS legacy (READ_ONLY)")
        old_tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'legacy'").fetchall()}
        with transaction(con):
            for table in TABLES:
                if table not in old_tables or table == "districts":
                    continue
                old_columns = {r[0] for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = 'legacy' AND table_name = ?",
                    [table]).fetchall()}
                columns = ", ".join(c for c in TABLES[table].column_names if c in old_columns)
                con.execute(f"INSERT INTO {ALIAS}.{table} ({columns}) SELECT {columns} FROM legacy.{table}")
                counts[table] = con.execute(f"SELECT count(*) FROM {ALIAS}.{table}").fetchone()[0]
            commit(con, {"kind": "migrate", "from": str(legacy), "rows": counts})
        con.execute("DETACH legacy")
    legacy.rename(legacy.with_name(legacy.name + BACKUP_SUFFIX))
    move_catalog(building, catalog)
    return counts
