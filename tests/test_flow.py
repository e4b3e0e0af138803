"""The whole chain through the CLI: sample pages and bad files -> Prefect flow -> DuckDB -> score.py."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def cppcc(*args, env=None, timeout=180):
    return subprocess.run([str(BIN / "cppcc"), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "CPPCC_SETTLE_SECONDS": "0.2", **(env or {})})


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from conftest import SHARED

    if not (SHARED / "samples" / "inbox").is_dir():
        pytest.skip("../shared is absent: the sample pages are not available here")
    root = tmp_path_factory.mktemp("run")
    inbox = root / "inbox"
    inbox.mkdir()
    for page in (SHARED / "samples" / "inbox").glob("*.txt"):
        shutil.copy(page, inbox / page.name)
    shutil.copy(next((SHARED / "samples" / "inbox").glob("*.txt")), inbox / "same_content_other_name.txt")
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (inbox / "latin1.txt").write_bytes("caf\xe9 na\xefve".encode("latin-1") * 10)
    (inbox / "no_article.txt").write_text("区 县\n\n短\n", encoding="utf-8")
    (inbox / "upload.txt.part").write_text("still uploading", encoding="utf-8")
    warehouse = root / "w.duckdb"
    env = {"CPPCC_QUARANTINE": str(root / "quarantine")}
    result = cppcc("run", "--inbox", str(inbox), "--warehouse", str(warehouse), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return {"root": root, "inbox": inbox, "warehouse": warehouse, "run": result, "env": env}


def test_samples_meet_the_gold_targets(loaded):
    from conftest import SHARED

    out = subprocess.run([sys.executable, str(SHARED / "tools" / "score.py"), "--warehouse", str(loaded["warehouse"]),
                          "--gold", str(SHARED / "gold"), "--json"], capture_output=True, text=True, check=True)
    pages = json.loads(out.stdout[: out.stdout.rindex("]") + 1])
    for p in pages:
        assert not p.get("missing"), p["source"]
        assert p["articles"]["f1"] >= 0.8, p
        assert p["metrics"]["f1"] >= 0.7, p


def test_bad_files_are_quarantined_and_the_rest_load(loaded):
    summary = loaded["run"].stdout
    assert "loaded 2" in summary and "quarantined 4" in summary and "duplicates 1" in summary
    assert "not ready 1" in summary
    out = cppcc("query", "select source_name, stage from quarantine order by 1", "--warehouse",
                str(loaded["warehouse"]), "--format", "csv").stdout.splitlines()
    assert out[0] == "source_name,stage"
    stages = dict(line.split(",") for line in out[1:])
    assert stages == {"binary.txt": "decode", "empty.txt": "decode", "latin1.txt": "decode",
                      "no_article.txt": "parse", "same_content_other_name.txt": "duplicate"}
    assert sorted(p.name for p in (loaded["root"] / "quarantine").iterdir()) == \
        ["binary.txt", "empty.txt", "latin1.txt", "no_article.txt"]


def test_rerun_with_nothing_new_starts_no_flow(loaded):
    result = cppcc("run", "--inbox", str(loaded["inbox"]), "--warehouse", str(loaded["warehouse"]), env=loaded["env"])
    assert result.returncode == 0
    assert "nothing new" in result.stdout and "no flow run started" in result.stdout


def test_query_and_status(loaded):
    out = cppcc("query", "select count(*) as n from articles", "--warehouse", str(loaded["warehouse"]),
                "--format", "json").stdout
    assert json.loads(out) == [{"n": 19}]
    status = cppcc("status", "--warehouse", str(loaded["warehouse"])).stdout
    assert "Completed" in status and "quarantined files: 5" in status


def test_query_errors_are_one_line(tmp_path):
    result = cppcc("query", "select 1", "--warehouse", str(tmp_path / "missing.duckdb"))
    assert result.returncode == 1 and "no warehouse" in result.stderr and "Traceback" not in result.stderr


def test_reprocess_reloads_stored_pages_without_the_inbox(loaded):
    result = cppcc("reprocess", "--all", "--warehouse", str(loaded["warehouse"]), env=loaded["env"])
    assert result.returncode == 0, result.stderr
    assert "re-processed 2 pages" in result.stdout and "loaded 2" in result.stdout
    out = cppcc("query", "select count(*) as n from articles", "--warehouse", str(loaded["warehouse"]),
                "--format", "json").stdout
    assert json.loads(out) == [{"n": 19}]
