"""Are the warehouse's Parquet files whole? Every data file and delete file the catalog lists for the current
snapshot, checked against the catalog: there, the size the catalog recorded, a Parquet footer that reads,
the number of rows the catalog counts, and (`deep`) every column decoding. Read-only, through the sandboxed
reader. A damaged file blocks every read of its table (and so every run, reprocess and forget):
`cppcc check --repair` (flows/repair.py) takes it out and re-loads the pages whose rows it held."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .config import Lake
from .contract import TABLES
from .errors import WarehouseError, first_line
from . import connection, sandbox

META = f"__ducklake_metadata_{connection.ALIAS}"     # DuckLake's own attachment of the catalog database


class DamagedWarehouse(WarehouseError):
    """A data or delete file of the warehouse is missing or damaged (or a repair was interrupted)."""


@dataclass(frozen=True)
class LakeFile:
    """One Parquet file of the current snapshot: a data file, or the delete file of one."""
    table: str
    table_id: int
    data_file_id: int              # the data file (of a delete file: the one it applies to)
    path: str                      # absolute
    kind: str                      # "data" | "delete"
    rows: int                      # record_count (data) or delete_count (delete), as the catalog says
    size: int                      # bytes, as the catalog says


@dataclass(frozen=True)
class Damage:
    file: LakeFile
    problem: str                   # one phrase: "missing", "is 10 bytes, the catalog says 9,756", …

    def line(self, data_files: Path) -> str:
        return f"{self.file.table}: {self.file.kind} file {_shown(self.file.path, data_files)} {self.problem}"


@dataclass
class Report:
    files: int
    tables: int                    # tables that have files
    damaged: list[Damage]
    interrupted: dict | None       # the record of a repair that did not finish

    @property
    def ok(self) -> bool:
        return not self.damaged and self.interrupted is None


def _shown(path: str, data_files: Path) -> str:
    try:
        return str(Path(path).relative_to(Path(data_files).resolve()))
    except ValueError:
        return path


def lake_files(con: duckdb.DuckDBPyConnection) -> list[LakeFile]:
    """Every data and delete file of the current snapshot, with what the catalog says of it."""
    tables = dict(con.execute(f"SELECT table_name, table_id FROM {META}.ducklake_table "
                              f"WHERE end_snapshot IS NULL").fetchall())
    data = {Path(p).name: (i, n, s) for i, p, n, s in con.execute(
        f"SELECT data_file_id, path, record_count, file_size_bytes FROM {META}.ducklake_data_file "
        f"WHERE end_snapshot IS NULL").fetchall()}
    deletes = {Path(p).name: (i, n, s) for i, p, n, s in con.execute(
        f"SELECT data_file_id, path, delete_count, file_size_bytes FROM {META}.ducklake_delete_file "
        f"WHERE end_snapshot IS NULL").fetchall()}
    out = []
    for table in TABLES:
        if table not in tables:
            continue
        for data_file, data_size, delete_file, delete_size in con.execute(
                f"SELECT data_file, data_file_size_bytes, delete_file, delete_file_size_bytes "
                f"FROM ducklake_list_files('{connection.ALIAS}', '{table}')").fetchall():
            file_id, rows, size = data.get(Path(data_file).name, (-1, -1, data_size))
            out.append(LakeFile(table, tables[table], file_id, data_file, "data", rows, size))
            if delete_file:
                _, rows, size = deletes.get(Path(delete_file).name, (file_id, -1, delete_size))
                out.append(LakeFile(table, tables[table], file_id, delete_file, "delete", rows, size))
    return out


def file_problem(con: duckdb.DuckDBPyConnection, f: LakeFile, deep: bool) -> str | None:
    """What is wrong with one file, or None."""
    path = Path(f.path)
    if not path.exists():
        return "is missing"
    if not path.is_file():
        return "is not a regular file"
    actual = path.stat().st_size
    if f.size is not None and actual != f.size:
        return f"is {actual:,} bytes, the catalog says {f.size:,} (truncated or overwritten)"
    quoted = f.path.replace("'", "''")
    try:
        rows = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata('{quoted}')").fetchone()[0]
    except duckdb.Error as exc:
        return f"is not readable Parquet ({_reason(exc)})"
    if f.rows >= 0 and rows != f.rows:
        return f"holds {rows:,} rows, the catalog says {f.rows:,}"
    if deep:
        try:        # every column decoded: a damaged page in the middle of the file shows here
            con.execute(f"SELECT bit_xor(hash(COLUMNS(*))) FROM read_parquet('{quoted}')").fetchall()
        except duckdb.Error as exc:
            return f"is corrupt ({_reason(exc)})"
    return None


def _reason(exc: BaseException) -> str:
    """DuckDB's first line without the file's path (the line names the file already)."""
    return re.sub(r'\s*(Failed to read file |file )?"[^"]*"\s*:?', "", first_line(exc)).strip(" :")


def marker_path(lake: Lake) -> Path:
    """Where a repair records what it is doing until it has finished (beside the run lock)."""
    if lake.catalog_path is not None:
        return Path(str(lake.catalog_path) + ".repair.json")
    return Path(lake.data_files) / ".cppcc-repair.json"


def unfinished_repair(lake: Lake) -> dict | None:
    path = marker_path(lake)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"files": []}


def inspect(lake: Lake, deep: bool = True) -> Report:
    """Check every file of the current snapshot (`deep`: decode every column too)."""
    with sandbox.reader(lake) as con:
        files = lake_files(con)
        damaged = [Damage(f, p) for f in files if (p := file_problem(con, f, deep))]
    return Report(len(files), len({f.table for f in files}), damaged, unfinished_repair(lake))


def require_intact(lake: Lake) -> None:
    """Before a command that reads every table (run, reprocess, forget, retry): `refuse_if_damaged` on a
    reader of its own. Nothing to check before the first run."""
    if connection.exists(lake):
        with sandbox.reader(lake) as con:
            refuse_if_damaged(con, lake)


def refuse_if_damaged(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """The quick check (files there, of their size, with a footer that reads; about a millisecond a file):
    a damaged warehouse stops the command with one line naming the file."""
    if unfinished_repair(lake) is not None:
        raise DamagedWarehouse("a repair of the warehouse did not finish: run `cppcc check --repair`")
    damaged = [Damage(f, p) for f in lake_files(con) if (p := file_problem(con, f, deep=False))]
    if damaged:
        more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
        raise DamagedWarehouse(f"the warehouse is damaged: {damaged[0].line(lake.data_files)}{more}; "
                               f"run `cppcc check --repair`")
