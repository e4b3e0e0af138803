"""A year of nightly runs (`python -m bench.year CORPUS WORK [NIGHTS]`): one commit of 20 pages a night, each with
its `runs` row, then the housekeeping every `cppcc run` ends with; data files, snapshots and a join's time
before and after. Snapshots are kept 0 days here, so housekeeping expires all it may."""
import shutil
import sys
import time
from pathlib import Path

from bench.corpus import batches
from bench.measure import mean_seconds, print_json

NIGHTS = 365
PAGES_PER_NIGHT = 20
QUERY = "SELECT a.district_name, count(*), sum(m.value) FROM metrics m JOIN articles a USING (article_id) GROUP BY 1"


def main(inbox: Path, work: Path, nights: int = NIGHTS) -> None:
    from cppcc.settings import Settings
    from warehouse import connection, load, maintenance, read, sandbox

    frames = batches(inbox, PAGES_PER_NIGHT, pages=nights * PAGES_PER_NIGHT)
    for p in work.glob("year.ducklake*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    settings = Settings(data=work / "year-data", warehouse=str(work / "year.ducklake"), keep_snapshots_days=0)

    def state() -> dict:
        with sandbox.reader(settings.lake) as con:
            seconds = mean_seconds(con, QUERY)
        return {"files": sum(1 for p in Path(settings.data_files).rglob("*") if p.is_file()),
                "snapshots": len(read.history(settings.lake, limit=100_000)), "query": seconds}

    started = time.perf_counter()
    with connection.writer(settings.lake) as con:
        for night, batch in enumerate(frames):
            run_id = f"n{night}"
            load.commit_batch(con, batch.tables, batch.raw_pages, load.quarantine_frame([], run_id), run_id)
            load.record_run(con, {"run_id": run_id, "status": "Completed"})
    load_seconds = time.perf_counter() - started
    before = state()
    started = time.perf_counter()
    with connection.writer(settings.lake) as con:
        maintenance.housekeeping(con)
    housekeeping = time.perf_counter() - started
    print_json({"nights": len(frames), "pages_per_night": PAGES_PER_NIGHT, "keep_snapshots_days": 0,
                "small_file_bytes": maintenance.SMALL_FILE_BYTES, "load": load_seconds, "before": before, "after": state(),
                "checkpoint": housekeeping})


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), *(int(a) for a in sys.argv[3:]))
