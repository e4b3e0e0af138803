"""A throwaway PostgreSQL cluster (Debian's `postgresql` package) on a free port, for the tests and the
benchmark of a PostgreSQL-catalog warehouse. Not used by the pipeline itself."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .prefect_server import free_port


def pg_bin() -> Path | None:
    """The newest installed server's bin folder, or None without the package."""
    found = [b for b in sorted(Path("/usr/lib/postgresql").glob("*/bin")) if (b / "initdb").exists()]
    return found[-1] if found else None


@contextmanager
def pg_cluster() -> Iterator[str]:
    """Start a cluster with a `cppcc` database; yields its libpq string, stops and removes it after."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian's `postgresql` package)")
    # Outside any private temp folder, which the postgres user may not enter.
    root, port = Path(tempfile.mkdtemp(prefix="cppcc-pg-")), free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(root, "postgres")

    def run(*args) -> None:
        subprocess.run([*as_postgres, *map(str, args)], check=True, capture_output=True)

    run(bin_dir / "initdb", "-A", "trust", "-U", "postgres", "-D", root / "data")
    run(bin_dir / "pg_ctl", "-D", root / "data", "-l", root / "log", "-w", "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start")
    try:
        run(bin_dir / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "cppcc")
        yield f"host=127.0.0.1 port={port} dbname=cppcc user=postgres"
    finally:
        run(bin_dir / "pg_ctl", "-D", root / "data", "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
