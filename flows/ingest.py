"""The `nightly-ingest` flow: inbox -> parse (transforms) -> validate (expectations) -> load (warehouse).

One Prefect task per batch of pages, never per article: each task run costs the server CPU."""
from __future__ import annotations

import multiprocessing
import shutil
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from warehouse import db
from warehouse.errors import WarehouseBusy

from . import parse_worker
from .inbox import InboxFile, plan_run
from .lock import run_lock
from .parse_worker import ParsedPage, parse_file

ARTIFACT_KEY = "nightly-ingest-summary"


@dataclass
class RunSummary:
    run_id: str
    started_at: datetime
    files_seen: int = 0
    loaded: list[str] = field(default_factory=list)
    skipped: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    quarantined: list[tuple[str, str, str]] = field(default_factory=list)   # (name, stage, reason)
    not_ready: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "files_seen": self.files_seen, "loaded": len(self.loaded),
                "skipped": self.skipped, "duplicates": len(self.duplicates), "quarantined": len(self.quarantined),
                "not_ready": len(self.not_ready), "rows": self.row_counts}


@task(name="parse-pages")
def parse_pages(files: list[InboxFile], max_bytes: int, workers: int) -> list[ParsedPage]:
    """Parse a batch, on `workers` processes when the batch is big enough to pay for them.

    Workers come from a forkserver that has the parser and jieba's dictionary loaded: forking this
    process instead would copy the locks of Prefect's threads and polars' thread pool, and a child
    can hang on them."""
    if workers > 1 and len(files) >= 2 * workers:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([parse_worker.__name__])
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            return list(pool.map(parse_file, files, [max_bytes] * len(files), chunksize=4))
    return [parse_file(f, max_bytes) for f in files]


@task(name="validate-pages")
def validate_pages(pages: list[ParsedPage]) -> list[ParsedPage]:
    """Run the GX suites over the batch's frames; pages with failing rows are marked for quarantine."""
    good = [p for p in pages if p.ok]
    if not good:
        return pages
    from expectations import validate_tables

    tables = {t: pl.concat([p.tables[t] for p in good], how="vertical") for t in db.FACT_TABLES}
    failures = validate_tables(tables)
    for page in good:
        issue_id = page.tables["issues"]["issue_id"][0]
        if issue_id in failures:
            page.stage, page.reason = "validate", "; ".join(sorted(set(failures[issue_id])))
    return pages


@task(name="load-pages", retries=3, retry_delay_seconds=[1, 4, 10])
def load_pages(warehouse: str, pages: list[ParsedPage], quarantine_dir: str) -> tuple[list[str], list[tuple[str, str, str]]]:
    """One transaction per page; a page that fails to load is quarantined, the others still load."""
    logger = get_run_logger()
    loaded, quarantined = [], []
    with db.open_warehouse(warehouse) as con:
        for page in pages:
            if page.ok:
                try:
                    db.load_page(con, page.tables, page.raw)
                    loaded.append(page.file.name)
                    logger.info("loaded %s (%d articles)", page.file.name, page.tables["articles"].height)
                    continue
                except WarehouseBusy:
                    raise
                except Exception as exc:
                    page.stage, page.reason = "load", f"{type(exc).__name__}: {exc}"
            db.record_quarantine(con, page.file.name, page.file.sha256, page.stage, page.reason)
            quarantined.append((page.file.name, page.stage, page.reason))
            logger.warning("quarantined %s at %s: %s", page.file.name, page.stage, page.reason)
            _move_to_quarantine(page.file.path, Path(quarantine_dir), logger)
    return loaded, quarantined


def _move_to_quarantine(path: Path, folder: Path, logger) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(folder / path.name))
    except OSError as exc:
        logger.warning("could not move %s to %s: %s", path.name, folder, exc)


def summary_markdown(summary: RunSummary) -> str:
    lines = [f"# nightly-ingest run `{summary.run_id}`", "",
             "| files seen | loaded | skipped | duplicates | quarantined | not ready |",
             "|---|---|---|---|---|---|",
             f"| {summary.files_seen} | {len(summary.loaded)} | {summary.skipped} | {len(summary.duplicates)} "
             f"| {len(summary.quarantined)} | {len(summary.not_ready)} |", "",
             "## Rows per table", "", "| table | rows |", "|---|---|"]
    lines += [f"| {t} | {n} |" for t, n in summary.row_counts.items()]
    if summary.quarantined:
        lines += ["", "## Quarantined", "", "| file | stage | reason |", "|---|---|---|"]
        lines += [f"| {n} | {s} | {r} |" for n, s, r in summary.quarantined]
    return "\n".join(lines)


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@flow(name="nightly-ingest", log_prints=True)
def nightly_ingest(inbox: str, warehouse: str, quarantine_dir: str, force: bool = False,
                   batch_size: int = 50, workers: int = 2, settle_seconds: float = 1.0,
                   max_file_bytes: int = 2_000_000, lock_wait_seconds: float = 60.0) -> dict:
    """Plan under the run lock, so a run that waited for another one sees what that one loaded."""
    logger = get_run_logger()
    summary = RunSummary(run_id=uuid.uuid4().hex[:12], started_at=datetime.now())

    def waiting(holder: str) -> None:
        logger.warning("another run (pid %s) holds the warehouse; waiting up to %.0f s", holder, lock_wait_seconds)

    with run_lock(Path(warehouse), wait_seconds=lock_wait_seconds, on_wait=waiting):
        plan = plan_run(Path(inbox), Path(warehouse), settle_seconds, force)
        summary.files_seen = plan.files_seen
        summary.skipped = len(plan.unchanged) + len(plan.known_bad)
        summary.not_ready = [p.name for p in plan.not_ready]
        for name in summary.not_ready:
            logger.info("left for the next run (still being written): %s", name)
        logger.info("%d files: %d new, %d unchanged, %d duplicates, %d not ready",
                    plan.files_seen, len(plan.new), len(plan.unchanged), len(plan.duplicates), len(plan.not_ready))
        for batch in _batches(plan.new, batch_size):
            pages = validate_pages(parse_pages(batch, max_file_bytes, workers))
            loaded, quarantined = load_pages(warehouse, pages, quarantine_dir)
            summary.loaded += loaded
            summary.quarantined += quarantined
        with db.open_warehouse(warehouse) as con:
            for f, original in plan.duplicates:
                logger.info("duplicate: %s has the same content as %s; not loaded again", f.name, original)
                db.record_quarantine(con, f.name, f.sha256, "duplicate", f"same content as {original}")
                summary.duplicates.append((f.name, original))
            summary.row_counts = db.row_counts(con)
            db.record_run(con, {**summary.as_dict(), "started_at": summary.started_at, "finished_at": datetime.now(),
                                "loaded": len(summary.loaded), "duplicates": len(summary.duplicates),
                                "quarantined": len(summary.quarantined), "status": "Completed"})
    create_markdown_artifact(key=ARTIFACT_KEY, markdown=summary_markdown(summary),
                             description="files seen / loaded / skipped / quarantined, rows per table")
    logger.info("run %s: %s", summary.run_id, summary.as_dict())
    return summary.as_dict()


def reprocess_stored(warehouse: str, quarantine_dir: str, everything: bool = False,
                     batch_size: int = 50, workers: int = 2, scratch_dir: Path | None = None) -> tuple[int, dict | None]:
    """Re-parse the raw pages kept in the warehouse (those at an older parser version, or all) and reload them.

    Returns (pages re-processed, the run's summary or None when there was nothing to do)."""
    import tempfile

    from transforms import PARSER_VERSION

    pages = [(name, raw) for name, raw, version in db.stored_pages(warehouse)
             if everything or version != PARSER_VERSION]
    if not pages:
        return 0, None
    with tempfile.TemporaryDirectory(dir=scratch_dir) as folder:
        for name, raw in pages:
            (Path(folder) / name).write_bytes(raw)
        result = nightly_ingest(inbox=folder, warehouse=warehouse, quarantine_dir=quarantine_dir, force=True,
                                batch_size=batch_size, workers=workers, settle_seconds=0)
    return len(pages), result
