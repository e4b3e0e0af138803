"""`cppcc serve`: the `nightly-ingest` deployment on a cron schedule, served from this process.

The deployment's parameters carry the whole settings object, so scheduled runs honour every setting of
the process that registered it (environment and cppcc.toml), not just the paths."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading

from pydantic import ValidationError

from flows import FLOW_NAME

from .settings import Settings


def schedule(cron: str, timezone: str):
    """A Prefect cron schedule; ValueError naming what is wrong with the expression or the time zone
    (Prefect's own schedule model checks both)."""
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron

    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ValueError(f"{error['loc'][0]} {error['input']!r}: {error['msg'].removeprefix('Value error, ')}") from None
    return Cron(cron, timezone=timezone)


_warm = None        # the warm validator (and parser) of the runs this process serves


def _quiet_cancelled(record: logging.LogRecord) -> bool:
    """Prefect's runner stops on SIGTERM by raising SystemExit inside its event loop; a connection of its control
    channel still open then ends cancelled, which asyncio would log with a traceback. That is the stop asked for,
    not an error."""
    return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


def serve_deployment(settings: Settings, when, api_url: str) -> None:
    """Serve until SIGTERM or Ctrl-C, which pause the deployment (Prefect's runner does that)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.ingest import nightly_ingest
    from flows.validator import WarmValidator

    global _warm
    logging.getLogger("asyncio").addFilter(_quiet_cancelled)
    _warm = WarmValidator()        # GX and the parser loaded once for every run this serves (flows/validator.py)
    print(f"serving `nightly-ingest` ({when.cron}, {when.timezone}) against {api_url}; "
          f"SIGTERM or Ctrl-C pauses it and stops", flush=True)
    # Prefect's runner listens for SIGTERM only once it has started, after registering the deployment. A SIGTERM
    # before that pauses the deployment (if registered yet) and leaves at once, from a thread of its own: raising
    # in the main thread, wherever it is inside Prefect's event loop, can be swallowed there and hang `serve`.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=_pause_and_leave, args=(api_url,)).start())
    with temporary_settings({PREFECT_API_URL: api_url}):    # Prefect was imported before the URL was known
        try:
            nightly_ingest.serve(name=FLOW_NAME, schedule=when, print_starting_message=False,
                                 parameters={"settings": settings.resolved().model_dump(mode="json")})
        finally:
            _pause(f"{FLOW_NAME}/{FLOW_NAME}")
            _warm.stop()


def _pause_and_leave(api_url: str) -> None:
    """A SIGTERM before the runner started: no flow run is under way, so pausing is all there is to do."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):       # a thread does not see the caller's settings
        _pause(f"{FLOW_NAME}/{FLOW_NAME}")
    if _warm is not None:
        _warm.stop()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _pause(name: str) -> None:
    """Pause the deployment if it was registered (the runner has normally done so already); never raises: the
    deployment may not exist yet, and the server may be what failed (the error that stopped `serve` is the one
    to report)."""
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            client.pause_deployment(client.read_deployment_by_name(name).id)
    except ObjectNotFound:
        pass                          # not registered yet: nothing to pause
    except httpx.HTTPError as exc:    # the server gone or refusing: what stopped `serve` is reported, this is said
        print(f"could not pause the deployment {name}: {exc}", file=sys.stderr)
