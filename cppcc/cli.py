"""`cppcc`: a thin command line over flows/, warehouse/ and the generator. Each command is glue."""
from __future__ import annotations

import csv
import json
import os
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path

import click

from .settings import Settings, load_settings

EXAMPLE_QUERIES = [
    ("Articles per district", "SELECT district_name, count(*) AS articles FROM articles GROUP BY 1 ORDER BY 2 DESC LIMIT 5"),
    ("Largest reported quantities", "SELECT surface, unit, subject FROM metrics ORDER BY value DESC LIMIT 5"),
    ("Proposals named on the pages", "SELECT title, kind, proposer FROM proposals LIMIT 5"),
]


def warehouse_option(f):
    return click.option("--warehouse", type=click.Path(path_type=Path), default=None,
                        help="DuckDB file (default: $CPPCC_WAREHOUSE or data/warehouse.duckdb).")(f)


def _settings(inbox=None, warehouse=None) -> Settings:
    return load_settings().with_paths(inbox, warehouse)


def _json_default(v):
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return str(v)


def print_rows(columns: list[str], rows: list[tuple], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        click.echo(json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, default=_json_default))
    else:
        cells = [[("" if v is None else str(v)) for v in r] for r in rows]
        widths = [max([_cells(c)] + [_cells(r[i]) for r in cells]) for i, c in enumerate(columns)]
        click.echo(" | ".join(_pad(c, w) for c, w in zip(columns, widths)))
        click.echo("-+-".join("-" * w for w in widths))
        for r in cells:
            click.echo(" | ".join(_pad(v, w) for v, w in zip(r, widths)))


def _cells(text: str) -> int:
    """Terminal cells: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _cells(text))


@click.group()
def main():
    """cppcc-warehouse: Chongqing CPPCC district pages -> DuckDB."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")   # GX's progress bars would fill the run's log


@main.command()
@click.option("--inbox", type=click.Path(path_type=Path), default=None, help="Folder of page files (default: $CPPCC_INBOX or data/inbox).")
@warehouse_option
@click.option("--force", is_flag=True, help="Run the flow even when nothing is new, and re-load every file.")
@click.option("--demo-if-empty", is_flag=True, help="Fill an empty inbox with generated demo pages first.")
@click.option("--summary", is_flag=True, help="End with rows per table and example queries.")
@click.option("--wait", "wait_seconds", type=float, default=60.0, show_default=True,
              help="Seconds to wait for another run that holds the warehouse before giving up.")
@click.option("--runner", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: parsing processes on this machine; dask: parse tasks on a Dask cluster.")
@click.option("--address", default=None, help="Dask scheduler for --runner dask, e.g. tcp://10.0.0.5:8786 "
              "(default: a two-worker LocalCluster).")
def run(inbox, warehouse, force, demo_if_empty, summary, wait_seconds, runner, address):
    """Run the nightly-ingest flow once over the inbox.

    Example: cppcc run --inbox data/inbox --warehouse data/warehouse.duckdb"""
    from flows.inbox import plan_run
    from flows.lock import RunLocked

    settings = _settings(inbox, warehouse)
    if demo_if_empty and not any(settings.inbox.glob("*")):
        from .generate import write_pages

        paths = write_pages(settings.inbox, pages=20, seed=1)
        click.echo(f"inbox was empty: wrote {len(paths)} demo pages to {settings.inbox}")
    plan = plan_run(settings.inbox, settings.warehouse, settings.settle_seconds, force)
    if not plan.new and not plan.duplicates and not force:
        click.echo(f"nothing new in {settings.inbox}: {plan.files_seen} files seen, "
                   f"{len(plan.unchanged)} already loaded, {len(plan.known_bad)} quarantined before, "
                   f"{len(plan.not_ready)} still being written; no flow run started")
        if summary and settings.warehouse.exists():
            _print_summary(settings.warehouse)
        return
    from flows.ingest import nightly_ingest, on_dask

    ingest, workers, parse_ahead = nightly_ingest, settings.workers, 1
    if runner == "dask":   # each Dask task parses in its worker; keep several batches in flight
        ingest, workers, parse_ahead = on_dask(address), 1, 4
    try:
        result = ingest(inbox=str(settings.inbox), warehouse=str(settings.warehouse),
                        quarantine_dir=str(settings.quarantine_dir), force=force,
                        batch_size=settings.batch_size, workers=workers, parse_ahead=parse_ahead,
                        settle_seconds=settings.settle_seconds, max_file_bytes=settings.max_file_bytes,
                        lock_wait_seconds=wait_seconds, pages_per_transaction=settings.pages_per_transaction)
    except RunLocked as exc:
        raise click.ClickException(f"skipped: {exc}")
    click.echo(f"files seen {result['files_seen']}, loaded {result['loaded']}, skipped {result['skipped']}, "
               f"duplicates {result['duplicates']}, quarantined {result['quarantined']}, "
               f"not ready {result['not_ready']}")
    click.echo("rows: " + ", ".join(f"{t} {n}" for t, n in result["rows"].items()))
    click.echo("seconds: " + ", ".join(f"{stage} {s:.2f}" for stage, s in result["seconds"].items()))
    if summary:
        _print_summary(settings.warehouse)


def _print_summary(warehouse: Path) -> None:
    from warehouse.db import query

    for title, sql in EXAMPLE_QUERIES:
        click.echo(f"\n-- {title}\n$ cppcc query \"{sql}\"")
        print_rows(*query(warehouse, sql), "table")


@main.command()
@warehouse_option
@click.option("--all", "everything", is_flag=True, help="Re-process pages already at the current parser version too.")
def reprocess(warehouse, everything):
    """Re-parse the stored raw pages with the current parser version and reload them.

    Example: cppcc reprocess"""
    from flows.ingest import reprocess_stored
    from transforms import PARSER_VERSION

    settings = _settings(warehouse=warehouse)
    count, result = reprocess_stored(str(settings.warehouse), str(settings.quarantine_dir), everything,
                                     settings.batch_size, settings.workers,
                                     scratch_dir=settings.data_dir if settings.data_dir.exists() else None)
    if result is None:
        click.echo(f"every stored page is at parser version {PARSER_VERSION}; nothing to re-process")
        return
    click.echo(f"re-processed {count} pages with parser {PARSER_VERSION}: loaded {result['loaded']}, "
               f"quarantined {result['quarantined']}")


@main.command("query")
@click.argument("sql")
@warehouse_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def query_cmd(sql, warehouse, fmt):
    """Run SQL against the warehouse, read-only.

    Example: cppcc query "select count(*) from articles" --format csv"""
    from warehouse.db import query
    from warehouse.errors import WarehouseError

    try:
        print_rows(*query(_settings(warehouse=warehouse).warehouse, sql), fmt)
    except WarehouseError as exc:
        raise click.ClickException(str(exc))


@main.command()
@click.option("--pages", type=int, required=True, help="How many pages to write.")
@click.option("--seed", type=int, default=0, help="Same seed, same pages.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write into.")
def generate(pages, seed, out):
    """Write synthetic pages in the printed layout.

    Example: cppcc generate --pages 100 --seed 7 --out data/inbox"""
    from .generate import write_pages

    paths = write_pages(out, pages, seed)
    click.echo(f"wrote {len(paths)} pages to {out}")


@main.command()
@warehouse_option
def status(warehouse):
    """Recent runs, rows per table and quarantined files.

    Example: cppcc status"""
    from warehouse.db import status as wh_status
    from warehouse.errors import WarehouseError

    try:
        info = wh_status(_settings(warehouse=warehouse).warehouse)
    except WarehouseError as exc:
        raise click.ClickException(str(exc))
    click.echo("rows: " + ", ".join(f"{t} {n}" for t, n in info["counts"].items()))
    click.echo("recent runs:")
    for r in info["runs"]:
        click.echo(f"  {r['started_at']:%Y-%m-%d %H:%M:%S} {r['run_id']} {r['status']}: seen {r['files_seen']}, "
                   f"loaded {r['loaded']}, skipped {r['skipped']}, duplicates {r['duplicates']}, quarantined {r['quarantined']}")
    click.echo(f"quarantined files: {len(info['quarantine'])}")
    for q in info["quarantine"]:
        click.echo(f"  {q['source_name']} [{q['stage']}] {q['reason']}")


@main.command()
@click.option("--inbox", type=click.Path(path_type=Path), default=None)
@warehouse_option
@click.option("--cron", default="0 2 * * *", show_default=True)
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
def serve(inbox, warehouse, cron, timezone):
    """Register the `nightly-ingest` deployment on a cron schedule and serve it (needs PREFECT_API_URL).

    Example: cppcc serve --cron "0 2 * * *" --timezone Asia/Shanghai"""
    from prefect.schedules import Cron

    from flows.ingest import nightly_ingest

    settings = _settings(inbox, warehouse)
    nightly_ingest.serve(
        name="nightly-ingest", schedule=Cron(cron, timezone=timezone),
        parameters={"inbox": str(settings.inbox.resolve()), "warehouse": str(settings.warehouse.resolve()),
                    "quarantine_dir": str(settings.quarantine_dir.resolve())},
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=4200, show_default=True)
def server(host, port):
    """Start the Prefect server and UI with PREFECT_HOME under the data folder.

    Example: cppcc server --port 4200"""
    settings = load_settings()
    home = (settings.data_dir / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    from .prefect_server import server_env

    api_url = f"http://{host}:{port}/api"
    click.echo(f"Prefect UI at http://{host}:{port} (PREFECT_HOME={home}); "
               f"in another shell: export PREFECT_API_URL={api_url}")
    os.execvpe(sys.executable, [sys.executable, "-m", "prefect", "server", "start", "--host", host,
                                "--port", str(port)], server_env(home, api_url))


if __name__ == "__main__":
    main()
