"""The sandboxed reader's limits and files, and `cppcc sql`, the shell with the same guarantees as `cppcc query`:
time and memory limits that end in one line, a private temporary folder (never the caller's `./.tmp`), the
catalog outside `allowed_directories`, errors raised while rows are fetched, symbolic links planted in the data
folder, every escape typed into the shell refused, and a corrupt catalog as one line in every command."""
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import fingerprint
from cppcc.settings import Settings, SettingsError, load_settings
from cppcc.sql_shell import complete, statements
from warehouse import sandbox
from warehouse.config import QueryLimits
from warehouse.errors import QueryError, WarehouseError

BIN = Path(sys.executable).parent


def test_the_limits_default_to_a_minute_and_two_gigabytes_and_bad_values_are_one_line(monkeypatch):
    assert Settings().query_limits == QueryLimits(60.0, "2GB")
    monkeypatch.setenv("CPPCC_QUERY_MEMORY_LIMIT", "lots")
    with pytest.raises(SettingsError, match="CPPCC_QUERY_MEMORY_LIMIT"):
        load_settings()
    monkeypatch.setenv("CPPCC_QUERY_MEMORY_LIMIT", "512MB")
    monkeypatch.setenv("CPPCC_QUERY_TIMEOUT_SECONDS", "5")
    assert load_settings().query_limits == QueryLimits(5.0, "512MB")


def test_a_query_past_its_time_limit_is_stopped_with_one_line(loaded):
    started = time.monotonic()
    with pytest.raises(QueryError, match=r"ran longer than 1 s .*CPPCC_QUERY_TIMEOUT_SECONDS"):
        sandbox.query(loaded.lake, "SELECT count(*) FROM range(100000) a, range(100000) b WHERE a.range + b.range = -1",
                      QueryLimits(timeout_seconds=1))
    assert time.monotonic() - started < 15


def test_a_query_past_its_memory_limit_is_stopped_with_one_line(loaded):
    with pytest.raises(QueryError, match=r"more memory than 64MB .*CPPCC_QUERY_MEMORY_LIMIT"):
        sandbox.query(loaded.lake, "SELECT list(range) FROM range(50000000)", QueryLimits(memory_limit="64MB"))


def test_the_reader_may_touch_only_the_data_folder_and_a_private_temporary_folder(loaded, tmp_path, monkeypatch):
    caller = tmp_path / "caller"
    caller.mkdir()
    monkeypatch.chdir(caller)
    with sandbox.reader(loaded.lake, QueryLimits(memory_limit="100MB")) as con:
        allowed, temp = con.execute("SELECT current_setting('allowed_directories'), "
                                    "current_setting('temp_directory')").fetchone()
        assert loaded.lake.data_path in allowed and temp + "/" in allowed and len(allowed) == 2
        assert not any(Path(loaded.warehouse).name in a.rstrip("/").split("/")[-1] for a in allowed
                       if a != loaded.lake.data_path)
        assert not temp.startswith(str(caller)) and Path(temp).is_dir()
        # a sort far bigger than the memory limit spills to disk: into the private folder
        sandbox.run_query(con, "SELECT range FROM range(30000000) ORDER BY hash(range) LIMIT 1",
                          QueryLimits(memory_limit="100MB"))
    assert not (caller / ".tmp").exists() and not Path(temp).exists()


def test_an_error_raised_while_rows_are_fetched_is_one_line(loaded):
    sql = "SELECT (CASE WHEN range > 2500000 THEN 'x' ELSE '1' END)::INT AS v FROM range(3000000)"
    with pytest.raises(QueryError) as caught:
        sandbox.query(loaded.lake, sql)
    assert str(caught.value) == "Conversion Error: Could not convert string 'x' to INT32"


def test_explain_and_explain_analyze_of_a_select_still_work(loaded):
    for sql in ("EXPLAIN SELECT count(*) FROM metrics", "EXPLAIN ANALYZE SELECT count(*) FROM metrics",
                "EXPLAIN /* plan */ ANALYZE SELECT count(*) FROM articles -- done"):
        columns, rows = sandbox.query(loaded.lake, sql)
        assert rows and "explain_key" in columns, sql


@pytest.mark.parametrize("target", ["/etc/passwd", "/no/such/file"])
def test_a_symbolic_link_planted_in_the_data_folder_is_refused(loaded, target):
    link = Path(loaded.data_files) / "main" / "articles" / "planted.parquet"
    link.symlink_to(target)
    with pytest.raises(WarehouseError, match=r"symbolic link, main/articles/planted.parquet: remove it"):
        sandbox.query(loaded.lake, f"SELECT * FROM read_text('{link}')")
    link.unlink()
    assert sandbox.query(loaded.lake, "SELECT count(*) FROM issues")[1] == [(4,)]


def test_the_shell_splits_on_duckdbs_tokens():
    assert statements("SELECT 'a;b' AS x; -- c;\nSELECT 2; /* d; */") == ["SELECT 'a;b' AS x", "SELECT 2"]
    assert complete("SELECT 1;\n") and not complete("SELECT 'unterminated;\n") and not complete("SELECT 1 -- ;\n")


def sql_shell(settings, *args, script: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CPPCC_WAREHOUSE": settings.warehouse, "CPPCC_DATA": str(settings.data)}
    return subprocess.run([str(BIN / "cppcc"), "sql", *args], input=script, capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.slow                # a `cppcc` process
def test_nothing_typed_into_the_shell_changes_or_reads_a_file_past_the_warehouse(loaded, tmp_path):
    with sqlite3.connect(tmp_path / "other.sqlite") as other:
        other.execute("CREATE TABLE t (v TEXT)")
        other.execute("INSERT INTO t VALUES ('the-secret-row')")
    before = fingerprint(loaded)
    catalog, data = loaded.warehouse, loaded.data_files
    script = "\n".join([
        "SELECT count(*) AS pages",
        "  FROM issues;",
        f"ATTACH '{catalog}' AS r (TYPE sqlite); DELETE FROM r.ducklake_data_file;",
        f"SELECT * FROM sqlite_scan('{tmp_path}/other.sqlite', 't');",
        f"SELECT * FROM sqlite_attach('{tmp_path}/other.sqlite');",
        f"EXPLAIN ANALYZE COPY (SELECT 1 x, 2 y) TO '{data}/main' (FORMAT parquet, PARTITION_BY (x), OVERWRITE true);",
        f"COPY (SELECT 'gone' AS x) TO '{catalog}' (FORMAT csv);",
        "SET enable_external_access = true;",
        ".shell touch /tmp/cppcc-sql-escaped",
        f".output {tmp_path}/out.txt",
        ".mode csv",
        "SELECT count(*) AS first_snapshot FROM issues AT (VERSION => 1);",
    ]) + "\n"
    result = sql_shell(loaded, script=script)
    assert result.returncode == 1, result.stderr
    assert result.stdout.split() == ["pages", "-----", "4", "first_snapshot", "0"], result.stdout
    errors = result.stderr.splitlines()
    assert len(errors) == 9 and all(e.startswith("Error: ") for e in errors), errors
    assert "the-secret-row" not in result.stderr + result.stdout and "Traceback" not in result.stderr
    assert fingerprint(loaded) == before
    assert not Path("/tmp/cppcc-sql-escaped").exists() and not (tmp_path / "out.txt").exists()


@pytest.mark.slow
def test_the_shell_takes_no_init_file_and_runs_a_command(loaded, tmp_path):
    init = tmp_path / "init.sql"
    init.write_text("SET enable_external_access = true;\n")
    refused = sql_shell(loaded, "-init", str(init))
    assert refused.returncode == 2 and "No such option '-i'" in refused.stderr
    ran = sql_shell(loaded, "-c", "SELECT count(*) AS n FROM issues; SELECT 1 AS one", "--format", "csv")
    assert ran.returncode == 0 and ran.stdout.split() == ["n", "4", "one", "1"], ran.stdout + ran.stderr


@pytest.mark.slow                # a `cppcc` process per command
@pytest.mark.parametrize("damage", ["header", "pages"])
def test_a_corrupt_catalog_is_one_line_in_every_command(loaded, damage):
    catalog = Path(loaded.warehouse)
    raw = bytearray(catalog.read_bytes())
    if damage == "header":
        raw[:100] = b"x" * 100
    else:                       # the header intact, every page after the first two overwritten in part
        for offset in range(8192, len(raw), 4096):
            raw[offset + 100:offset + 300] = os.urandom(200)
    catalog.write_bytes(bytes(raw))
    env = {**os.environ, "CPPCC_WAREHOUSE": loaded.warehouse, "CPPCC_DATA": str(loaded.data),
           "CPPCC_INBOX": str(loaded.inbox), "CPPCC_SETTLE_SECONDS": "0"}
    env.pop("PREFECT_API_URL", None)
    for args in (["status"], ["history"], ["query", "SELECT 1"], ["sql", "-c", "SELECT 1"], ["check"],
                 ["run", "--force"]):
        result = subprocess.run([str(BIN / "cppcc"), *args], capture_output=True, text=True, timeout=300, env=env)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, args
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1 and "cannot open the warehouse" in errors[0], (args, result.stderr)
