"""No fault loses a page: a failure of the warehouse itself fails the run, quarantines nothing, moves no file,
and the next run loads everything (issue 16)."""
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
