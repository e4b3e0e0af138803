"""The environment the project's processes run with: the libraries' usage reports and progress bars off.

Written once, here. The CLI, the tests and the benchmark call `quiet_libraries()` before Prefect or GX is
imported; every process they start inherits it, and the Prefect server is started with it."""
import os

QUIET_LIBRARIES = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",     # the Prefect server's usage reports
    "GX_ANALYTICS_ENABLED": "false",                 # Great Expectations' usage reports
    "TQDM_DISABLE": "1",                             # progress bars (GX draws them while it validates)
}


def quiet_libraries() -> None:
    """Into this process's environment; a value the operator has set wins."""
    for name, value in QUIET_LIBRARIES.items():
        os.environ.setdefault(name, value)
