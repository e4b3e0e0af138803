import hashlib
import os
import shutil
from pathlib import Path

import pytest

from cppcc.environment import quiet_libraries

quiet_libraries()
for _name in [n for n in os.environ if n.startswith("CPPCC_")]:   # tests set their own
    del os.environ[_name]

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SLOW_FIXTURES = {"prefect_api", "postgres"}     # a test that needs a Prefect server or PostgreSQL is slow


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)
TIMESTAMPS = ("TIMESTAMP",)


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


def make_settings(root: Path, **overrides):
    """Settings whose every path is under `root` (inbox, warehouse, data files, quarantine, Prefect home)."""
    from cppcc.settings import Settings

    values = {"data": root / "data", "inbox": root / "inbox", "warehouse": str(root / "w.ducklake"),
              "settle_seconds": 0.0, **overrides}
    return Settings(**values)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


def table_rows(settings, skip=("runs",)) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), minus timestamp columns and the tables in `skip`."""
    from warehouse import sandbox
    from warehouse.contract import TABLES

    out = {}
    with sandbox.reader(settings.lake) as con:
        for name, table in TABLES.items():
            if name in skip:
                continue
            columns = ", ".join(c.name for c in table.columns if c.type not in TIMESTAMPS and c.name != "run_id")
            out[name] = sorted(con.execute(f"SELECT {columns} FROM {name}").fetchall(), key=repr)
    return out


def load_inbox(settings, inbox: Path, run_id: str = "test") -> None:
    from flows.frames import build_frames
    from flows.parsed import parse_chunk
    from flows.sources import plan_inbox
    from warehouse import connection, load

    parsed = parse_chunk(plan_inbox(inbox, {}, {}).new, settings.max_file_bytes)
    frames = build_frames([p for p in parsed if p.ok])
    with connection.writer(settings.lake) as con:
        load.commit_batch(con, frames.tables, frames.raw_pages, load.quarantine_frame([], run_id), run_id)


@pytest.fixture
def loaded(tmp_path):
    """A warehouse of four generated pages, loaded without Prefect."""
    from cppcc.generate import write_pages

    settings = make_settings(tmp_path)
    write_pages(Path(settings.inbox), 4, seed=21)
    load_inbox(settings, Path(settings.inbox))
    return settings


def data_files(settings) -> list[str]:
    return sorted(str(p) for p in Path(settings.data_files).rglob("*") if p.is_file())


def fingerprint(settings) -> tuple:
    """Rows of every table, the data files and the catalog's bytes."""
    return table_rows(settings, skip=()), data_files(settings), hashlib.sha256(
        Path(settings.warehouse).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> str:
    """One real `prefect server start` per test session (a test harness per test would cost ~35 s each)."""
    from cppcc.prefect_server import running_server

    home = tmp_path_factory.mktemp("prefect-home")
    with running_server(home) as api_url:
        yield api_url


@pytest.fixture(scope="session")
def postgres() -> str:
    """A PostgreSQL cluster of the test session's own, on a free port; a libpq string."""
    from cppcc.pg_cluster import pg_bin, pg_cluster

    if pg_bin() is None:
        pytest.skip("PostgreSQL is not installed (Debian's `postgresql` package): no catalog server to test with")
    with pg_cluster() as dsn:
        yield dsn
