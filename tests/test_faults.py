"""No fault loses a page: a failure of the warehouse itself fails the run, quarantines nothing, moves no file,
and the next run loads everything (issue 16)."""
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import make_settings


def test_disk_full_during_the_commit_fails_the_run_quarantines_nothing_and_the_next_run_loads_all(
        tmp_path, prefect_api, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from cppcc.generate import write_pages
    from flows.ingest import nightly_ingest
    from flows.runners import run_and_report
    from flows.lock import RunFailed
    from warehouse import load, sandbox

    settings = make_settings(tmp_path)
    write_pages(Path(settings.inbox), 3, seed=16)
    files = sorted(p.name for p in Path(settings.inbox).iterdir())
    real_insert = load.insert

    def disk_full(con, table, frame):
        if table != "runs":
            raise duckdb.IOException("No space left on device")
        real_insert(con, table, frame)

    monkeypatch.setattr(load, "insert", disk_full)
    with temporary_settings({PREFECT_API_URL: prefect_api}), \
            pytest.raises(RunFailed, match="No space left on device") as failed:
        run_and_report(nightly_ingest, settings=settings)
    assert "\n" not in str(failed.value) and "cannot rollback" not in str(failed.value)
    assert sandbox.query(settings.lake, "SELECT count(*) FROM quarantine")[1] == [(0,)]
    assert sandbox.query(settings.lake, "SELECT count(*) FROM issues")[1] == [(0,)]
    assert not Path(settings.quarantine).exists() or not any(Path(settings.quarantine).iterdir())
    assert sorted(p.name for p in Path(settings.inbox).iterdir()) == files

    monkeypatch.setattr(load, "insert", real_insert)         # the fault is gone
    with temporary_settings({PREFECT_API_URL: prefect_api}):
        run_and_report(nightly_ingest, settings=settings)
    assert sandbox.query(settings.lake, "SELECT count(*) FROM issues")[1] == [(3,)]
    assert sandbox.query(settings.lake, "SELECT count(*) FROM quarantine")[1] == [(0,)]


class _RollbackFails:
    """A connection whose ROLLBACK fails as DuckDB's does once it has ended the transaction itself."""

    def __init__(self, con):
        self.con = con

    def execute(self, sql, *args):
        if sql == "ROLLBACK":
            raise duckdb.TransactionException("cannot rollback - no transaction is active")
        return self.con.execute(sql, *args)


def test_a_failing_rollback_does_not_mask_the_original_error():
    from warehouse import connection
    from warehouse.errors import WarehouseFailure

    con = _RollbackFails(duckdb.connect())
    with pytest.raises(ValueError, match="the original error"):
        with connection.transaction(con):
            raise ValueError("the original error")
    with pytest.raises(WarehouseFailure, match="attempt to write a readonly database"):
        with connection.transaction(_RollbackFails(duckdb.connect())):
            raise duckdb.IOException("attempt to write a readonly database\nmore detail")


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MB file system of its own (tmpfs), to be filled up; skipped where this machine cannot mount one."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small file system here ({mounted.stderr.strip() or 'mount failed'})")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def fill(folder: Path) -> Path:
    """Fill the file system `folder` is on; the filler file (remove it to free the space)."""
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def immutable(paths: list[Path], on: bool) -> None:
    for path in paths:
        result = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True, text=True)
        if result.returncode and on:
            immutable(paths, False)
            pytest.skip(f"cannot make a file read-only for root here ({result.stderr.strip()})")


@pytest.mark.parametrize("fault", ["data disk full", "catalog read-only"])
def test_a_real_fault_of_the_warehouse_quarantines_nothing_and_the_next_run_loads_all(
        tmp_path, prefect_api, small_disk, fault):
    """The faults themselves, not a stand-in: the data files' file system full, the catalog unwritable even for
    root (chattr +i). The run fails with the cause in one line; no page is blamed; the next run loads them."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from cppcc.generate import write_pages
    from flows.ingest import nightly_ingest
    from flows.runners import run_and_report
    from flows.lock import RunFailed
    from warehouse import sandbox

    settings = make_settings(tmp_path, data_files=small_disk / "files")
    write_pages(tmp_path / "first", 2, seed=18)
    with temporary_settings({PREFECT_API_URL: prefect_api}):
        run_and_report(nightly_ingest, settings=settings.model_copy(update={"inbox": tmp_path / "first"}))
    write_pages(Path(settings.inbox), 60, seed=19)            # enough rows to be written as Parquet, not inlined
    files = sorted(p.name for p in Path(settings.inbox).iterdir())
    catalog = Path(settings.warehouse)
    sides = [p for p in (catalog, Path(f"{catalog}-wal"), Path(f"{catalog}-shm")) if p.exists()]
    filler = fill(small_disk) if fault == "data disk full" else immutable(sides, True)
    try:
        with temporary_settings({PREFECT_API_URL: prefect_api}), pytest.raises(RunFailed) as failed:
            run_and_report(nightly_ingest, settings=settings)
    finally:
        filler.unlink() if filler else immutable(sides, False)
    message = str(failed.value)
    assert "\n" not in message and "cannot rollback" not in message, message
    assert ("No space left on device" if fault == "data disk full" else "readonly database") in message, message
    assert sandbox.query(settings.lake, "SELECT count(*) FROM quarantine")[1] == [(0,)]
    assert sandbox.query(settings.lake, "SELECT count(*) FROM issues")[1] == [(2,)]
    assert not Path(settings.quarantine).exists() or not any(Path(settings.quarantine).iterdir())
    assert sorted(p.name for p in Path(settings.inbox).iterdir()) == files

    with temporary_settings({PREFECT_API_URL: prefect_api}):      # the fault is gone
        run_and_report(nightly_ingest, settings=settings)
    assert sandbox.query(settings.lake, "SELECT count(*) FROM issues")[1] == [(62,)]
    assert sandbox.query(settings.lake, "SELECT count(*) FROM quarantine")[1] == [(0,)]
