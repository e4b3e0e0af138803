"""The `nightly-ingest` flow: inbox -> parse (transforms) -> validate (expectations) -> load (warehouse).

One Prefect task per batch of pages, never per article: each task run costs the server CPU."""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import shutil
import time
import uuid
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from warehouse import db
from warehouse.errors import WarehouseBusy

from . import parse_worker
from .inbox import InboxFile, plan_run
from .lock import run_lock
from .parse_worker import ParsedPage, parse_file

ARTIFACT_KEY = "nightly-ingest-summary"
_MALLOC_TRIM = getattr(ctypes.CDLL(ctypes.util.find_library("c") or None), "malloc_trim", None)   # glibc only


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
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(("plan", "parse_wait", "validate", "load"), 0.0))

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "files_seen": self.files_seen, "loaded": len(self.loaded),
                "skipped": self.skipped, "duplicates": len(self.duplicates), "quarantined": len(self.quarantined),
                "not_ready": len(self.not_ready), "rows": self.row_counts,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


@task(name="parse-pages", cache_policy=NO_CACHE)
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


@task(name="validate-pages", cache_policy=NO_CACHE)
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


@task(name="load-pages", retries=3, retry_delay_seconds=[1, 4, 10], cache_policy=NO_CACHE)
def load_pages(warehouse: str, pages: list[ParsedPage], quarantine_dir: str,
               pages_per_transaction: int = 1) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Whole pages per transaction (one by default); a group that fails is retried page by page, and a page
    that fails to load is quarantined while the others still load."""
    logger = get_run_logger()
    loaded, quarantined = [], []
    with db.open_warehouse(warehouse) as con:
        good = [p for p in pages if p.ok]
        for group in _batches(good, max(1, pages_per_transaction)):
            loaded += _load_group(con, group)
        for page in pages:
            if not page.ok:
                db.record_quarantine(con, page.file.name, page.file.sha256, page.stage, page.reason)
                quarantined.append((page.file.name, page.stage, page.reason))
                logger.warning("quarantined %s at %s: %s", page.file.name, page.stage, page.reason)
                _move_to_quarantine(page.file.path, Path(quarantine_dir), logger)
    logger.info("loaded %d pages (%d articles)", len(loaded), sum(p.tables["articles"].height for p in pages if p.ok))
    return loaded, quarantined


def _load_group(con, group: list[ParsedPage]) -> list[str]:
    """Load a group in one transaction; if that fails, each page on its own, so a bad page is isolated."""
    try:
        db.load_pages(con, [(p.tables, p.raw) for p in group])
        return [p.file.name for p in group]
    except WarehouseBusy:
        raise
    except Exception as exc:
        if len(group) == 1:
            group[0].stage, group[0].reason = "load", f"{type(exc).__name__}: {exc}"
            return []
        return [name for page in group for name in _load_group(con, [page])]


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


def _release_memory() -> None:
    """Hand a finished batch's memory back to the OS: without this, glibc keeps the freed heap of every
    batch (pandas frames for validation, unpickled pages) and a 10,000-page run grows by ~60 MB per 1,000 pages."""
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@contextmanager
def _timed(seconds: dict[str, float], stage: str):
    started = time.perf_counter()
    yield
    seconds[stage] += time.perf_counter() - started


@flow(name="nightly-ingest", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=4))
def nightly_ingest(inbox: str, warehouse: str, quarantine_dir: str, force: bool = False,
                   batch_size: int = 200, workers: int = 2, settle_seconds: float = 1.0,
                   max_file_bytes: int = 2_000_000, lock_wait_seconds: float = 60.0, parse_ahead: int = 1,
                   pages_per_transaction: int = 1) -> dict:
    """Plan under the run lock, so a run that waited for another one sees what that one loaded.

    Parsing runs `parse_ahead` batches ahead of validation and loading, which stay in this process
    (DuckDB's single writer): while one batch loads, the next is being parsed."""
    logger = get_run_logger()
    summary = RunSummary(run_id=uuid.uuid4().hex[:12], started_at=datetime.now())

    def waiting(holder: str) -> None:
        logger.warning("another run (pid %s) holds the warehouse; waiting up to %.0f s", holder, lock_wait_seconds)

    with run_lock(Path(warehouse), wait_seconds=lock_wait_seconds, on_wait=waiting):
        with _timed(summary.seconds, "plan"):
            plan = plan_run(Path(inbox), Path(warehouse), settle_seconds, force)
        summary.files_seen = plan.files_seen
        summary.skipped = len(plan.unchanged) + len(plan.known_bad)
        summary.not_ready = [p.name for p in plan.not_ready]
        for name in summary.not_ready:
            logger.info("left for the next run (still being written): %s", name)
        logger.info("%d files: %d new, %d unchanged, %d duplicates, %d not ready",
                    plan.files_seen, len(plan.new), len(plan.unchanged), len(plan.duplicates), len(plan.not_ready))
        batches = deque(_batches(plan.new, batch_size))
        parsing = deque()
        while batches or parsing:
            while batches and len(parsing) <= parse_ahead:
                parsing.append(parse_pages.submit(batches.popleft(), max_file_bytes, workers))
            with _timed(summary.seconds, "parse_wait"):
                pages = parsing.popleft().result()
            with _timed(summary.seconds, "validate"):
                pages = validate_pages(pages)
            with _timed(summary.seconds, "load"):
                loaded, quarantined = load_pages(warehouse, pages, quarantine_dir, pages_per_transaction)
            summary.loaded += loaded
            summary.quarantined += quarantined
            del pages
            _release_memory()
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


def on_dask(address: str | None = None):
    """The same flow with its parse tasks on a Dask cluster (prefect-dask): workers parse and return frames,
    validation and loading stay in the flow's process, DuckDB's single writer. Without an address, a
    LocalCluster of two worker processes. The inbox must be readable by the workers (shared storage)."""
    from prefect_dask import DaskTaskRunner

    runner = DaskTaskRunner(address=address) if address else \
        DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None})
    return nightly_ingest.with_options(task_runner=runner)


def reprocess_stored(warehouse: str, quarantine_dir: str, everything: bool = False,
                     batch_size: int = 200, workers: int = 2, scratch_dir: Path | None = None) -> tuple[int, dict | None]:
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
