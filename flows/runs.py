"""Starting runs from the command line: migrate a warehouse of the earlier kind, look at the plan without
Prefect (so "nothing new" costs a second), then run the flow. Also the page lifecycle: retry, forget."""
from __future__ import annotations

from pathlib import Path

from cppcc.errors import CppccError
from cppcc.settings import Settings
from warehouse import connection, load, read, sandbox
from warehouse.check import refuse_if_damaged
from warehouse.errors import WarehouseMissing
from warehouse.migrate import legacy_source, migrate

from . import cancel
from .sources import Plan, check_inbox, hand_over, plan_inbox


class NotFound(CppccError):
    """No quarantined file, or no loaded page, of that name."""


def migrate_if_needed(settings: Settings) -> str | None:
    """Migrate the old DuckDB-file warehouse this configuration points at; a line saying so, or None."""
    legacy = legacy_source(settings.lake, settings.data)
    if legacy is None:
        return None
    counts = migrate(settings.lake, legacy)
    return (f"migrated {legacy} into the DuckLake warehouse {settings.warehouse} "
            f"({', '.join(f'{t} {n}' for t, n in counts.items())}); the old file is kept as {legacy}.pre-ducklake")


def preview(settings: Settings, force: bool = False) -> Plan:
    """The plan as the warehouse stands now (read-only; the flow plans again under the run lock)."""
    check_inbox(Path(settings.inbox))
    loaded, held = {}, {}
    try:
        with sandbox.reader(settings.lake) as con:
            refuse_if_damaged(con, settings.lake)
            loaded, held = read.known_pages(con), read.quarantined(con)
    except WarehouseMissing:     # the first run creates it
        pass
    return plan_inbox(Path(settings.inbox), loaded, held, settings.settle_seconds, force)


def run_flow(settings: Settings, force: bool = False, runner: str = "local", address: str | None = None,
             server=None, preview: Plan | None = None, **options) -> dict:
    """Run `nightly-ingest` in this process; raises RunFailed with the one-line reason if it fails. `server`: a
    throwaway Prefect server (cppcc/prefect_server.py) to start first thing and wait for just before the flow.
    `preview`: the plan just made (`preview`), handed to the flow so that it reads no file again that is
    unchanged since."""
    cancel.check()
    if server is not None:
        server.start()                      # it starts while this process imports Prefect
    if runner == "local":
        from .workers import start_early

        start_early(settings.workers)       # GX and the parser load on the other core meanwhile
    from .ingest import nightly_ingest
    from .runners import on_dask, run_and_report

    cancel.take_over_from_prefect()         # the flow run keeps our SIGTERM handler (flows/cancel.py)
    if server is not None:
        server.wait(stop=cancel.check)
    cancel.check()

    flow = on_dask(address) if runner == "dask" else nightly_ingest
    distributed = runner == "dask" and settings.uses_postgres
    return run_and_report(flow, settings=settings, force=force, distributed=distributed,
                          preview_key=hand_over(preview) if preview is not None else None, **options)


def retry(settings: Settings, name: str, server=None) -> dict:
    """Re-try one quarantined file after the operator fixed it: back from the quarantine folder into the inbox
    if it is there, its quarantine record cleared, then a run over just that file."""
    inbox_file, parked = Path(settings.inbox) / name, Path(settings.quarantine) / name
    with connection.writer(settings.lake) as con:
        refuse_if_damaged(con, settings.lake)
        held = read.quarantined(con)
        if name not in held and not parked.exists():
            raise NotFound(f"{name} is not quarantined (see `cppcc status`)")
        if not inbox_file.exists() and parked.exists():
            inbox_file.parent.mkdir(parents=True, exist_ok=True)
            parked.rename(inbox_file)
        if not inbox_file.exists():
            raise NotFound(f"{name} is in neither {settings.inbox} nor {settings.quarantine}: put the fixed file "
                              f"back in the inbox")
        load.clear_quarantine(con, name, "retry")
    return run_flow(settings, only=[name], server=server)


def forget(settings: Settings, name: str) -> dict[str, int]:
    """Remove one page's rows and stored raw page; later runs leave the file alone until `cppcc retry`."""
    with connection.writer(settings.lake) as con:
        refuse_if_damaged(con, settings.lake)
        removed = load.forget(con, name, "forget")
    if removed is None:
        raise NotFound(f"no page named {name} in the warehouse (names are paths relative to the inbox)")
    return removed
