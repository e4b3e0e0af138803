"""The one place that reads the environment: CPPCC_* variables into a frozen Settings."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    inbox: Path
    warehouse: Path
    quarantine_dir: Path
    data_dir: Path
    batch_size: int = 200             # pages per Prefect task
    settle_seconds: float = 1.0       # a file changed this recently is watched this long before it is read
    max_file_bytes: int = 2_000_000
    workers: int = 2                  # parsing processes
    pages_per_transaction: int = 1    # whole pages per DuckDB transaction; more loads a backfill faster

    def with_paths(self, inbox: str | Path | None = None, warehouse: str | Path | None = None) -> "Settings":
        return replace(self, inbox=Path(inbox) if inbox else self.inbox,
                       warehouse=Path(warehouse) if warehouse else self.warehouse)


def load_settings(env: dict | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("CPPCC_DATA", "data"))
    return Settings(
        inbox=Path(env.get("CPPCC_INBOX", data_dir / "inbox")),
        warehouse=Path(env.get("CPPCC_WAREHOUSE", data_dir / "warehouse.duckdb")),
        quarantine_dir=Path(env.get("CPPCC_QUARANTINE", data_dir / "quarantine")),
        data_dir=data_dir,
        batch_size=int(env.get("CPPCC_BATCH_SIZE", 200)),
        settle_seconds=float(env.get("CPPCC_SETTLE_SECONDS", 1.0)),
        max_file_bytes=int(env.get("CPPCC_MAX_FILE_BYTES", 2_000_000)),
        workers=int(env.get("CPPCC_WORKERS", 2)),
        pages_per_transaction=int(env.get("CPPCC_PAGES_PER_TRANSACTION", 1)),
    )
