"""Past one machine: a PostgreSQL catalog and the data files on shared storage, every Dask worker parsing,
validating and committing its own batches (no single writer), with what one writer would have loaded."""
import os
import subprocess
import sys
from pathlib import Path

from conftest import make_settings, table_rows
from cppcc.generate import write_pages
from warehouse import read

BIN = Path(sys.executable).parent


def test_dask_workers_each_commit_their_batches_to_a_postgres_catalog(postgres, prefect_api, tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    write_pages(tmp_path / "inbox", 60, seed=51)
    (tmp_path / "inbox" / "broken.txt").write_bytes(bytes(range(256)))
    shared = make_settings(tmp_path / "pg", inbox=tmp_path / "inbox", warehouse=f"postgres:{postgres}",
                           data_files=tmp_path / "shared-storage")
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "CPPCC_SETTLE_SECONDS": "0", "CPPCC_BATCH_SIZE": "6",
           "CPPCC_DATA": str(tmp_path / "pg"), "CPPCC_INBOX": str(tmp_path / "inbox"),
           "CPPCC_WAREHOUSE": shared.warehouse, "CPPCC_DATA_FILES": str(shared.data_files),
           "CPPCC_QUARANTINE": str(tmp_path / "pg" / "quarantine")}
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        result = subprocess.run([str(BIN / "cppcc"), "run", "--runner", "dask", "--address", cluster.scheduler_address],
                                capture_output=True, text=True, env=env, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        with Client(cluster) as client:
            ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert "process_batch" in ran and "parse_pages" not in ran, ran
    assert "loaded 60, quarantined 1" in result.stdout, result.stdout

    committers = {h["pid"] for h in read.history(shared.lake, limit=100) if h["kind"] == "batch"}
    assert len(committers) >= 2, f"batches committed by {committers}: one writer only"

    (tmp_path / "local" / "inbox").mkdir(parents=True)
    for page in (tmp_path / "pg" / "quarantine").iterdir():
        (tmp_path / "inbox" / page.name).write_bytes(page.read_bytes())
    local = subprocess.run([str(BIN / "cppcc"), "run"], capture_output=True, text=True, timeout=600,
                           env={**env, "CPPCC_DATA": str(tmp_path / "local"), "CPPCC_WAREHOUSE": str(tmp_path / "l.ducklake"),
                                "CPPCC_DATA_FILES": str(tmp_path / "l.files"),
                                "CPPCC_QUARANTINE": str(tmp_path / "local" / "quarantine")})
    assert local.returncode == 0, local.stderr
    assert table_rows(shared) == table_rows(make_settings(tmp_path / "local", warehouse=str(tmp_path / "l.ducklake"),
                                                          data_files=tmp_path / "l.files"))
