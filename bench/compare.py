"""The DuckDB-file warehouse of before beside the DuckLake (`python -m bench.compare CORPUS WORK`): the same
frames (the project's own plan, parsing and frames, in 1,000-page batches) loaded into each with the
project's own loading code, one transaction and one commit per batch; size on disk, three queries, and
whether a writer can commit while a reader holds the warehouse."""
import shutil
import sys
import time
from pathlib import Path

import duckdb

from bench.corpus import batches
from bench.measure import mean_seconds, print_json

BATCH_PAGES = 1000
QUERIES = {
    "articles per district": "SELECT district_name, count(*) FROM articles GROUP BY 1",
    "metrics join articles": "SELECT a.district_name, sum(m.value) FROM metrics m JOIN articles a USING (article_id) "
                             "WHERE m.unit = '元' GROUP BY 1",
    "keyword search": "SELECT count(*) FROM articles WHERE list_contains(keywords, '政协')",
}


def load_duckdb_file(path: Path, frames) -> float:
    """The warehouse of before: one DuckDB file with the contract's tables; each batch's frames inserted as the
    lake inserts them (`load.insert`), one transaction per batch."""
    from warehouse import connection, load
    from warehouse.contract import PAGE_TABLES, ddl

    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute(ddl())
    started = time.perf_counter()
    for batch in frames:
        with connection.transaction(con):
            for table in PAGE_TABLES:
                load.insert(con, table, batch.tables[table])
            load.insert(con, "pages", batch.raw_pages)
            con.execute("COMMIT")
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def main(inbox: Path, work: Path) -> None:
    from cppcc.settings import Settings
    from warehouse import connection, load, sandbox

    frames = batches(inbox, BATCH_PAGES)
    out = {"pages": sum(b.pages for b in frames), "batch_pages": BATCH_PAGES}
    path = work / "compare.duckdb"
    out["duckdb_load"] = load_duckdb_file(path, frames)
    out["duckdb_bytes"] = path.stat().st_size
    for p in work.glob("compare.ducklake*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    settings = Settings(data=work / "compare-data", warehouse=str(work / "compare.ducklake"))
    started = time.perf_counter()
    with connection.writer(settings.lake) as con:
        for batch in frames:
            load.commit_batch(con, batch.tables, batch.raw_pages, load.quarantine_frame([], "bench"), "bench")
    out["lake_load"] = time.perf_counter() - started
    out["lake_bytes"] = (sum(p.stat().st_size for p in Path(settings.data_files).rglob("*") if p.is_file())
                         + Path(settings.warehouse).stat().st_size)
    con = duckdb.connect(str(path), read_only=True)
    out["duckdb_queries"] = {name: mean_seconds(con, sql) for name, sql in QUERIES.items()}
    con.close()
    with sandbox.reader(settings.lake) as con:
        out["lake_queries"] = {name: mean_seconds(con, sql) for name, sql in QUERIES.items()}
    out["duckdb_writer_with_reader"] = duckdb_writer_with_reader(path)
    out["lake_writer_with_reader"] = lake_writer_with_reader(settings)
    print_json(out)


def duckdb_writer_with_reader(path: Path) -> str:
    """A reader holds the DuckDB file open: can a writer open it?"""
    holder = duckdb.connect(str(path), read_only=True)
    try:
        duckdb.connect(str(path)).close()
        return "committed"
    except duckdb.Error as exc:
        return "refused: " + str(exc).splitlines()[0][:80]
    finally:
        holder.close()


def lake_writer_with_reader(settings) -> str:
    """A reader inside an open transaction on the lake: can a writer commit?"""
    from warehouse import connection, sandbox

    with sandbox.reader(settings.lake) as held:
        held.execute("BEGIN")
        held.execute("SELECT count(*) FROM issues").fetchall()
        with connection.writer(settings.lake) as con:
            with connection.transaction(con):
                con.execute("DELETE FROM runs")
                connection.commit(con, {"kind": "bench"})
    return "committed"


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
