import os
import shutil
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "samples" / "inbox").is_dir():
        pytest.skip(f"../shared is absent ({SHARED}): the sample pages and gold are not available here")
    return SHARED


@pytest.fixture
def sample_inbox(shared, tmp_path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for page in (shared / "samples" / "inbox").glob("*.txt"):
        shutil.copy(page, inbox / page.name)
    return inbox


@pytest.fixture
def mem_wh():
    from warehouse.db import ensure_schema

    con = duckdb.connect(":memory:")
    ensure_schema(con)
    yield con
    con.close()


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> str:
    """One real `prefect server start` per test session (a test harness per test would cost ~35 s each)."""
    from cppcc.prefect_server import running_server

    home = tmp_path_factory.mktemp("prefect-home")
    with running_server(home) as api_url:
        yield api_url
