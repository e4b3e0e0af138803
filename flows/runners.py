"""How the flow is run: called here with its outcome turned into a result or an exception, and the same flow
with its batch tasks on a Dask cluster."""
from __future__ import annotations

from .ingest import nightly_ingest
from .lock import RunFailed


def run_and_report(flow, **parameters) -> dict:
    """Call the flow; its summary, or RunFailed carrying the Failed state's one-line message."""
    state = flow(return_state=True, **parameters)
    if state.is_failed() or state.is_crashed() or state.is_cancelled():
        raise RunFailed(state.message or state.name)
    return state.result()


def on_dask(address: str | None = None):
    """The same flow with its batch tasks on a Dask cluster (prefect-dask). Without an address, a LocalCluster
    of two worker processes. The inbox (and, for `distributed`, the data files) must be shared storage."""
    from prefect_dask import DaskTaskRunner

    runner = DaskTaskRunner(address=address) if address else \
        DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None})
    return nightly_ingest.with_options(task_runner=runner)
