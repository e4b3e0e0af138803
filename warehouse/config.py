"""The small typed values the warehouse takes (never the whole Settings): where the lake is, and the limits
of a sandboxed query. `cppcc.settings.Settings` makes them (`settings.lake`, `settings.query_limits`)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

POSTGRES_PREFIX = "postgres:"


def is_postgres(catalog: str) -> bool:
    return str(catalog).startswith(POSTGRES_PREFIX)


@dataclass(frozen=True)
class Lake:
    """A DuckLake: its catalog (a SQLite file, or `postgres:<libpq string>`) and the folder of its Parquet files."""
    catalog: str
    data_files: Path
    keep_snapshots_days: float = 30.0

    @property
    def uses_postgres(self) -> bool:
        return is_postgres(self.catalog)

    @property
    def catalog_path(self) -> Path | None:
        """The SQLite catalog file, or None for a PostgreSQL catalog."""
        return None if self.uses_postgres else Path(self.catalog)

    @property
    def libpq(self) -> str:
        return self.catalog.removeprefix(POSTGRES_PREFIX)

    @property
    def data_path(self) -> str:
        """The data folder as DuckDB wants it: absolute, ending in a slash."""
        return str(Path(self.data_files).resolve()) + "/"

    def attach_target(self) -> str:
        if self.uses_postgres:
            return f"ducklake:{self.catalog}"
        return f"ducklake:sqlite:{Path(self.catalog).resolve()}"

    def elsewhere(self, catalog: Path) -> "Lake":
        """The same lake with its catalog under another name (built there, then moved into place)."""
        return Lake(str(catalog), self.data_files, self.keep_snapshots_days)


@dataclass(frozen=True)
class QueryLimits:
    """What one sandboxed query may take: wall time and memory (DuckDB's memory_limit syntax, e.g. `2GB`)."""
    timeout_seconds: float = 60.0
    memory_limit: str = "2GB"
