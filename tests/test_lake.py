"""The DuckLake warehouse without Prefect: atomic batch commits, replacement by name, the read-only sandbox
(every escape refused, the warehouse unchanged), readers that never block the writer, housekeeping,
history and time travel, and the migration of a DuckDB-file warehouse."""
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import data_files, fingerprint, load_inbox, make_settings, table_rows
from cppcc.generate import write_pages
from flows.frames import build_frames
from flows.parsed import parse_chunk
from flows.sources import plan_inbox
from warehouse import connection, load, maintenance, read, sandbox
from warehouse.contract import TABLES
from warehouse.errors import QueryError, WarehouseError, WarehouseMissing


def test_a_batch_is_one_commit_and_a_page_under_the_same_name_is_replaced(loaded):
    before = table_rows(loaded)
    assert len(before["issues"]) == 4 and len(before["pages"]) == 4
    page = sorted(Path(loaded.inbox).iterdir())[0]
    page.write_bytes(page.read_bytes().replace("政协".encode(), "政协委员".encode(), 1))
    load_inbox(loaded, Path(loaded.inbox))
    after = table_rows(loaded)
    assert len(after["issues"]) == 4, "the page's old version was replaced, not kept beside the new one"
    with sandbox.reader(loaded.lake) as con:
        assert con.execute("SELECT count(*) FROM articles WHERE issue_id NOT IN (SELECT issue_id FROM issues)"
                           ).fetchone()[0] == 0
        (raw,) = con.execute("SELECT raw FROM pages WHERE source_name = ?", [page.name]).fetchone()
    assert raw == page.read_bytes()


def test_a_failed_commit_leaves_nothing(loaded, monkeypatch):
    before = table_rows(loaded)
    parsed = parse_chunk(plan_inbox(Path(loaded.inbox), {}, {}).new, loaded.max_file_bytes)
    frames = build_frames(parsed)
    broken = frames.tables["metrics"].with_columns(frames.tables["metrics"]["value"].cast(str).alias("value") + "x")
    with connection.writer(loaded.lake) as con, pytest.raises(duckdb.Error):
        load.commit_batch(con, {**frames.tables, "metrics": broken}, frames.raw_pages,
                          load.quarantine_frame([], "t"), "t")
    assert table_rows(loaded) == before


def test_taken_keys_are_the_batch_keys_held_for_other_pages(loaded):
    parsed = parse_chunk(plan_inbox(Path(loaded.inbox), {}, {}).new, loaded.max_file_bytes)
    frames = build_frames(parsed)
    with connection.writer(loaded.lake) as con:
        assert all(keys == [] for keys in load.taken_keys(con, frames.tables).values()), "its own pages are replaced"
        renamed = frames.tables["issues"].with_columns(frames.tables["issues"]["source_name"] + ".other")
        taken = load.taken_keys(con, {**frames.tables, "issues": renamed.with_columns(
            renamed["issue_id"].str.replace(r"^.", "z"))})
    assert len(taken["articles"]) == frames.tables["articles"].height


# ---------------------------------------------------------------- the read-only sandbox

ESCAPES = {
    "copy onto the catalog": "COPY (SELECT 'gone' AS x) TO '{catalog}' (FORMAT csv)",
    "copy into the data folder": "COPY (SELECT 1 AS x) TO '{data}/x.parquet' (FORMAT parquet, USE_TMP_FILE false)",
    "export database": "EXPORT DATABASE '{tmp}/export'",
    "attach another file read-write": "ATTACH '{tmp}/other.duckdb' AS other (READ_WRITE)",
    "read a system file": "SELECT * FROM read_text('/etc/shadow')",
    "read the catalog raw": "SELECT * FROM sqlite_scan('{catalog}', 'ducklake_snapshot')",
    "read another SQLite file": "SELECT * FROM \"SQLITE_SCAN\"('{tmp}/other.sqlite', 'secret')",
    "write through the catalog connection": "EXPLAIN SELECT * FROM sqlite_query('__ducklake_metadata_wh', "
                                            "'DELETE FROM ducklake_snapshot RETURNING *')",
    "list the file system": "SELECT * FROM glob('/root/**')",
    "install an extension": "INSTALL httpfs",
    "load an extension": "LOAD json",
    "change a setting": "SET enable_external_access = true",
    "several statements": "SELECT 1; SELECT 2",
    "insert": "INSERT INTO articles (article_id) VALUES ('x')",
    "delete": "DELETE FROM articles",
    "drop": "DROP TABLE articles",
    "create in memory": "CREATE TABLE memory.main.t AS SELECT 1",
    "expire snapshots": "CALL ducklake_expire_snapshots('wh', older_than => now())",
    "clean up files": "SELECT * FROM ducklake_cleanup_old_files('wh', cleanup_all => true)",
    "merge files": "SELECT * FROM ducklake_merge_adjacent_files('wh')",
    "query() around a copy": "SELECT * FROM query('COPY (SELECT 1) TO ''{tmp}/q.csv''')",
    "pragma": "PRAGMA enable_profiling",
    "empty": "  ",
    # EXPLAIN ANALYZE runs what it wraps: judged as that statement, whatever comments or options stand between
    "explain analyze a copy over the data files": "EXPLAIN ANALYZE COPY (SELECT 1 x, 2 y) TO '{data}/main' "
                                                  "(FORMAT parquet, PARTITION_BY (x), OVERWRITE true)",
    "explain analyze a copy onto the catalog": "EXPLAIN ANALYZE COPY (SELECT 'gone' x) TO '{catalog}' "
                                               "(FORMAT csv, USE_TMP_FILE false)",
    "explain analyze a copy, comments between": "EXPLAIN /* a */ ANALYZE /* b */ COPY (SELECT 'gone' x) TO '{catalog}' "
                                                "(FORMAT csv, USE_TMP_FILE false)",
    "explain with options around a copy": "EXPLAIN (ANALYZE, FORMAT json) COPY (SELECT 'gone' x) TO '{catalog}' "
                                          "(FORMAT csv, USE_TMP_FILE false)",
    "a comment between a refused function and its arguments": "EXPLAIN ANALYZE SELECT error((SELECT string_agg(v, ',') "
                                                               "FROM sqlite_scan/**/('{tmp}/other.sqlite', 'secret')))",
    "a refused function in a scalar subquery": "SELECT (SELECT string_agg(v, ',') FROM sqlite_scan('{tmp}/other.sqlite', "
                                               "'secret')) AS leak",
    "attach another SQLite file as a function": "SELECT * FROM sqlite_attach('{tmp}/other.sqlite')",
    "attach the catalog as SQLite": "ATTACH '{catalog}' AS r (TYPE sqlite)",
    "serialized SQL run from a string": "SELECT * FROM json_execute_serialized_sql(json_serialize_sql("
                                        "'SELECT * FROM sqlite_scan(''{tmp}/other.sqlite'', ''secret'')'))",
}


@pytest.mark.slow                # 23 warehouses, three sandboxed connections each
@pytest.mark.parametrize("what", ESCAPES)
def test_every_escape_is_refused_in_one_line_and_the_warehouse_is_unchanged(loaded, tmp_path, what):
    with sqlite3.connect(tmp_path / "other.sqlite") as other:      # a file a query must not read
        other.execute("CREATE TABLE secret (v TEXT)")
        other.execute("INSERT INTO secret VALUES ('the-secret-row')")
    before = fingerprint(loaded)
    sql = ESCAPES[what].format(catalog=loaded.warehouse, data=loaded.data_files, tmp=tmp_path)
    try:
        sandbox.query(loaded.lake, sql)
        refused = None
    except QueryError as exc:
        refused = str(exc)
    assert refused and "\n" not in refused and "the-secret-row" not in refused, (what, refused)
    assert fingerprint(loaded) == before, what
    assert not (tmp_path / "export").exists() and not (tmp_path / "other.duckdb").exists()
    assert not (tmp_path / "q.csv").exists()


def test_ordinary_analytics_keep_working(loaded):
    columns, rows = sandbox.query(loaded.lake, """
        WITH per AS (SELECT a.district_name, count(m.metric_id) AS n,
                            list_sort(list(DISTINCT m.unit)) AS units
                     FROM articles a LEFT JOIN metrics m USING (article_id) GROUP BY 1)
        SELECT district_name, n, units, rank() OVER (ORDER BY n DESC) AS r,
               regexp_matches(district_name, '区$') AS is_qu
        FROM per ORDER BY r, district_name""")
    assert columns == ["district_name", "n", "units", "r", "is_qu"] and rows
    assert rows[0][3] == 1 and isinstance(rows[0][2], list)
    _, explain = sandbox.query(loaded.lake, "EXPLAIN SELECT count(*) FROM metrics")
    assert explain


def test_time_travel_reads_an_earlier_snapshot(loaded):
    (first_snapshot,) = [h["snapshot"] for h in read.history(loaded.lake) if h["kind"] == "batch"]
    write_pages(Path(loaded.data) / "more", 6, seed=22)
    load_inbox(loaded, Path(loaded.data) / "more", run_id="second")
    history = read.history(loaded.lake)
    assert [h["run_id"] for h in history if h["kind"] == "batch"] == ["second", "test"]
    assert history[0]["rows"]["issues"] == 6 and history[0]["pages"] == 6
    _, [(now, then)] = sandbox.query(loaded.lake, f"SELECT (SELECT count(*) FROM issues), "
                                          f"(SELECT count(*) FROM issues AT (VERSION => {first_snapshot}))")
    assert (now, then) == (10, 4)


def test_a_missing_warehouse_and_a_file_that_is_not_one_are_one_line_errors(tmp_path):
    with pytest.raises(WarehouseMissing):
        sandbox.query(make_settings(tmp_path).lake, "SELECT 1")
    not_a_lake = tmp_path / "notes.txt"
    not_a_lake.write_text("hello")
    with pytest.raises(WarehouseError) as caught:
        sandbox.query(make_settings(tmp_path, warehouse=str(not_a_lake)).lake, "SELECT 1")
    assert "\n" not in str(caught.value)


# ---------------------------------------------------------------- readers never block the writer

HOLD_READER = """
import sys, time
from conftest import make_settings
from pathlib import Path
from warehouse import connection, load, maintenance, read, sandbox
from warehouse.contract import TABLES
with sandbox.reader(make_settings(Path(sys.argv[1])).lake) as con:
    con.execute("BEGIN")
    print(con.execute("SELECT count(*) FROM issues").fetchone()[0], flush=True)
    time.sleep(float(sys.argv[2]))
    print(con.execute("SELECT count(*) FROM issues").fetchone()[0], flush=True)
"""


@pytest.mark.slow
def test_a_reader_inside_a_long_transaction_does_not_block_commits(loaded, tmp_path):
    reader = subprocess.Popen([sys.executable, "-c", HOLD_READER, str(tmp_path), "4"], stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).parent)
    assert reader.stdout.readline().strip() == "4"
    started = time.monotonic()
    write_pages(Path(loaded.data) / "more", 7, seed=23)
    load_inbox(loaded, Path(loaded.data) / "more", run_id="during")
    assert time.monotonic() - started < 3.5, "the commit waited for the reader"
    assert reader.stdout.readline().strip() == "4", "the reader keeps its snapshot"
    reader.wait()
    assert len(table_rows(loaded)["issues"]) == 11


# ---------------------------------------------------------------- housekeeping

@pytest.mark.slow
def test_housekeeping_merges_small_files_and_expires_old_snapshots(tmp_path):
    settings = make_settings(tmp_path, keep_snapshots_days=0)
    for n in range(12):
        folder = tmp_path / f"night{n}"
        write_pages(folder, 1, seed=100 + n)
        load_inbox(settings, folder, run_id=f"night{n}")
    before_rows, files_before = table_rows(settings), len(data_files(settings))
    snapshots_before = len(read.history(settings.lake, limit=1000))
    with connection.writer(settings.lake) as con:
        maintenance.housekeeping(con)
    assert table_rows(settings) == before_rows
    with sandbox.reader(settings.lake) as con:
        tables_with_rows = sum(con.execute(f"SELECT count(*) > 0 FROM {t}").fetchone()[0] for t in TABLES)
    assert len(data_files(settings)) <= tables_with_rows < files_before, "one file per table"
    assert len(read.history(settings.lake, limit=1000)) < snapshots_before / 3


@pytest.mark.slow
def test_housekeeping_leaves_files_of_a_backfill_alone(tmp_path, monkeypatch):
    """Only small files are merged: the big ones a backfill wrote are not rewritten every night."""
    monkeypatch.setattr(maintenance, "SMALL_FILE_BYTES", 6_000)
    settings = make_settings(tmp_path, keep_snapshots_days=0)
    write_pages(tmp_path / "backfill", 30, seed=7)
    load_inbox(settings, tmp_path / "backfill", run_id="backfill")
    with sandbox.reader(settings.lake) as con:
        big = {r[0] for r in con.execute("SELECT data_file FROM ducklake_list_files('wh', 'pages')").fetchall()}
    assert all(Path(f).stat().st_size >= 6_000 for f in big)
    for n in range(3):
        write_pages(tmp_path / f"night{n}", 1, seed=300 + n)
        load_inbox(settings, tmp_path / f"night{n}", run_id=f"night{n}")
    with connection.writer(settings.lake) as con:
        maintenance.housekeeping(con)
    with sandbox.reader(settings.lake) as con:
        after = {r[0] for r in con.execute("SELECT data_file FROM ducklake_list_files('wh', 'pages')").fetchall()}
    assert big <= after, "a big file was rewritten"
    assert len(after - big) == 1, "the nights' small files were not merged into one"


def test_orphaned_files_of_an_interrupted_commit_are_removed(loaded):
    orphan = Path(loaded.data_files) / "main" / "articles" / "ducklake-interrupted.parquet"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"PAR1 half written")
    with connection.writer(loaded.lake) as con:
        assert maintenance.remove_orphaned_files(con) == 1
    assert not orphan.exists()


# ---------------------------------------------------------------- migration of a DuckDB-file warehouse

OLD_SCHEMA = """
CREATE TABLE issues (issue_id VARCHAR, source_name VARCHAR, sha256 VARCHAR, section VARCHAR, theme VARCHAR,
    issue_date DATE, issue_date_source VARCHAR, article_count INTEGER, parser_version VARCHAR, loaded_at TIMESTAMP);
CREATE TABLE articles (article_id VARCHAR, issue_id VARCHAR, seq INTEGER, kind VARCHAR, column_name VARCHAR,
    headline VARCHAR, kicker VARCHAR, subheads VARCHAR[], district_code VARCHAR, district_name VARCHAR,
    reporters VARCHAR[], correspondents VARCHAR[], authors VARCHAR[], photographers VARCHAR[], body VARCHAR,
    char_count INTEGER, keywords VARCHAR[], event_date DATE);
CREATE TABLE proposals (proposal_id VARCHAR, issue_id VARCHAR, article_id VARCHAR, title VARCHAR, kind VARCHAR,
    proposer VARCHAR, session VARCHAR, year INTEGER, is_collective BOOLEAN, is_key BOOLEAN, status VARCHAR,
    district_code VARCHAR);
CREATE TABLE metrics (metric_id VARCHAR, issue_id VARCHAR, article_id VARCHAR, surface VARCHAR, value DOUBLE,
    value_max DOUBLE, unit VARCHAR, qualifier VARCHAR, subject VARCHAR, sentence VARCHAR, span_start INTEGER,
    span_end INTEGER, district_code VARCHAR);
CREATE TABLE districts (district_code VARCHAR, name VARCHAR, short_name VARCHAR, kind VARCHAR);
CREATE TABLE pages (issue_id VARCHAR, source_name VARCHAR, sha256 VARCHAR, raw BLOB, stored_at TIMESTAMP);
CREATE TABLE quarantine (source_name VARCHAR, sha256 VARCHAR, stage VARCHAR, reason VARCHAR, detected_at TIMESTAMP);
CREATE TABLE runs (run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, files_seen INTEGER, loaded INTEGER,
    skipped INTEGER, duplicates INTEGER, quarantined INTEGER, status VARCHAR);
"""


def legacy_warehouse(path: Path, lake_settings) -> dict[str, int]:
    """A warehouse as the earlier version wrote it (one DuckDB file), filled from a loaded lake."""
    source = table_rows(lake_settings, skip=())
    con = duckdb.connect(str(path))
    con.execute(OLD_SCHEMA)
    with sandbox.reader(lake_settings.lake) as lake_con:
        for table in ("issues", "articles", "proposals", "metrics", "pages"):
            frame = lake_con.execute(f"SELECT * FROM {table}").arrow()   # noqa: F841
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
    con.execute("INSERT INTO quarantine VALUES ('bad.txt', 'ab', 'decode', 'binary file (NUL bytes)', now())")
    con.execute("INSERT INTO runs VALUES ('r1', now(), now(), 5, 4, 0, 0, 1, 'Completed')")
    con.close()
    return {t: len(rows) for t, rows in source.items()}


@pytest.mark.slow
def test_a_duckdb_file_warehouse_is_migrated_once_keeping_every_row(loaded, tmp_path):
    old = tmp_path / "old" / "warehouse.duckdb"
    old.parent.mkdir()
    counts = legacy_warehouse(old, loaded)
    settings = make_settings(tmp_path / "old", warehouse=str(old))
    with pytest.raises(WarehouseError, match="cppcc migrate"):
        sandbox.query(settings.lake, "SELECT 1")
    from flows.runs import migrate_if_needed

    message = migrate_if_needed(settings)
    assert message and "pre-ducklake" in message
    migrated = table_rows(settings, skip=())
    for table in ("issues", "articles", "proposals", "metrics", "pages"):
        assert len(migrated[table]) == counts[table], table
    assert [r[:3] for r in migrated["quarantine"]] == [("bad.txt", "ab", "decode")]
    assert sandbox.query(settings.lake, "SELECT run_id, status FROM runs")[1] == [("r1", "Completed")]
    assert Path(str(old) + ".pre-ducklake").exists() and old.read_bytes()[:16] == b"SQLite format 3\x00"
    assert migrate_if_needed(settings) is None, "once"


@pytest.mark.slow
def test_the_old_default_file_is_migrated_into_the_new_default_catalog(loaded, tmp_path):
    root = tmp_path / "fresh"
    (root / "data").mkdir(parents=True)
    legacy_warehouse(root / "data" / "warehouse.duckdb", loaded)
    from cppcc.settings import Settings
    from flows.runs import migrate_if_needed

    settings = Settings(data=root / "data")
    assert migrate_if_needed(settings)
    assert Path(settings.warehouse).name == "warehouse.ducklake"
    assert len(table_rows(settings)["issues"]) == 4
