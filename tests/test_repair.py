"""A deleted or damaged Parquet file of the warehouse (issue 16): `cppcc check` names it, `run`, `reprocess`,
`forget` and `retry` refuse in one line pointing at `cppcc check --repair`, and the repair brings every table
back to what a clean build holds, from the stored raw pages (or says which inbox files to put back)."""
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_settings, table_rows
from cppcc.cli import main
from cppcc.generate import write_pages
from flows.frames import build_frames
from flows.parsed import parse_chunk
from flows.sources import plan_inbox
from warehouse import check, connection, load, maintenance, read, sandbox

PAGES, BATCH = 24, 12         # two commits, each big enough that every page table writes a Parquet file


def load_pages(settings, pages) -> None:
    parsed = parse_chunk(pages, settings.max_file_bytes)
    frames = build_frames([p for p in parsed if p.ok])
    with connection.writer(settings.lake) as con:
        load.commit_batch(con, frames.tables, frames.raw_pages, load.quarantine_frame([], "test"), "test")


def build(root: Path):
    settings = make_settings(root)
    write_pages(Path(settings.inbox), PAGES, seed=16)
    new = plan_inbox(Path(settings.inbox), {}, {}).new
    for start in range(0, len(new), BATCH):
        load_pages(settings, new[start:start + BATCH])
    return settings


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """A clean build and every row it holds."""
    settings = build(tmp_path_factory.mktemp("clean"))
    return settings.data, table_rows(settings)


@pytest.fixture
def warehouse(clean, tmp_path):
    """A copy of the clean build, to damage (the catalog's data path is overridden by the settings)."""
    root = Path(clean[0]).parent
    for entry in root.iterdir():
        (shutil.copytree if entry.is_dir() else shutil.copy)(entry, tmp_path / entry.name)
    return make_settings(tmp_path)


def files_of(settings, table: str) -> list[Path]:
    with sandbox.reader(settings.lake) as con:
        return [Path(f.path) for f in check.lake_files(con) if f.table == table and f.kind == "data"]


def cli(settings, *args):
    env = {"CPPCC_DATA": str(settings.data), "CPPCC_INBOX": str(settings.inbox),
           "CPPCC_WAREHOUSE": str(settings.warehouse), "CPPCC_SETTLE_SECONDS": "0"}
    return CliRunner().invoke(main, list(args), env=env)


def shown(settings, path: Path) -> str:
    return str(path.relative_to(Path(settings.data_files).resolve()))


def test_a_healthy_warehouse_checks_ok(warehouse):
    with sandbox.reader(warehouse.lake) as con:
        files = check.lake_files(con)
    assert {f.table for f in files} >= {"issues", "articles", "proposals", "metrics", "pages"}
    result = cli(warehouse, "check")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"warehouse ok: {len(files)} files in {len({f.table for f in files})} tables"


@pytest.mark.parametrize("damage, problem", [
    (lambda p: p.unlink(), "is missing"),
    (lambda p: p.write_bytes(p.read_bytes()[:-200]), "truncated"),
    (lambda p: p.write_bytes(b"not parquet at all" * 50), "bytes, the catalog says"),
    (lambda p: p.write_bytes(_flipped(p.read_bytes())), "is corrupt"),      # same size, footer whole
])
def test_check_names_the_damaged_table_and_file(warehouse, damage, problem):
    target = files_of(warehouse, "articles")[0]
    damage(target)
    result = cli(warehouse, "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"articles: data file {shown(warehouse, target)} ") and problem in lines[0], lines
    assert lines[1:] == ["Error: 1 damaged files: run `cppcc check --repair`"]


def _flipped(data: bytes) -> bytes:
    """The same bytes with the first data pages scrambled: size and footer unchanged."""
    middle = bytearray(data)
    for i in range(8, min(len(data) // 2, 4000)):
        middle[i] ^= 0x5A
    return bytes(middle)


@pytest.mark.parametrize("command", [["forget", "2025-01-01_demo_16_00000.txt"], ["run"], ["reprocess"],
                                     ["retry", "2025-01-01_demo_16_00000.txt"]])
def test_commands_on_a_damaged_warehouse_say_so_in_one_line(warehouse, command):
    target = files_of(warehouse, "metrics")[0]
    target.unlink()
    result = cli(warehouse, *command)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.strip() == (f"Error: the warehouse is damaged: metrics: data file "
                                     f"{shown(warehouse, target)} is missing; run `cppcc check --repair`")


def test_repair_restores_every_row_of_a_clean_build(warehouse, clean):
    damaged = [files_of(warehouse, "articles")[0], files_of(warehouse, "pages")[-1]]
    damaged[0].unlink()
    damaged[1].write_bytes(damaged[1].read_bytes()[:100])
    result = cli(warehouse, "check", "--repair")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("took out 2 damaged files: ")
    assert all(shown(warehouse, p) in lines[0] for p in damaged)
    assert "re-loaded" in lines[1] and "from their inbox files" in lines[1]   # the pages file held raw pages
    assert lines[-1].startswith("warehouse ok: ")
    assert table_rows(warehouse) == clean[1]
    assert cli(warehouse, "check").exit_code == 0
    assert not check.marker_path(warehouse).exists()
    history = read.history(warehouse.lake, limit=5)
    assert "repair" in [s["kind"] for s in history]


def test_after_a_repair_runs_and_forget_work(warehouse, clean):
    files_of(warehouse, "metrics")[0].unlink()
    assert cli(warehouse, "check", "--repair").exit_code == 0
    extra = write_pages(Path(warehouse.inbox) / "later", 2, seed=99)
    from flows.runs import preview

    plan = preview(warehouse)
    assert sorted(p.name for p in plan.new) == sorted(str(p.relative_to(warehouse.inbox)) for p in extra)
    load_pages(warehouse, plan.new)
    forgotten = cli(warehouse, "forget", "2025-01-01_demo_16_00000.txt")
    assert forgotten.exit_code == 0 and forgotten.output.startswith("forgot 2025-01-01_demo_16_00000.txt: ")
    with sandbox.reader(warehouse.lake) as con:
        assert con.execute("SELECT count(*) FROM issues").fetchone()[0] == PAGES + 2 - 1
    with connection.writer(warehouse.lake) as con:
        maintenance.housekeeping(con)
    assert cli(warehouse, "check").exit_code == 0


def test_a_page_whose_raw_bytes_are_lost_is_named_to_put_back(warehouse, clean):
    """The `pages` file gone and the inbox empty: the repair names the files to put back; the pages' other
    rows go (a page is whole or absent), and putting the files back makes them new to the next run."""
    lost = files_of(warehouse, "pages")
    for path in lost:
        path.unlink()
    shutil.rmtree(warehouse.inbox)
    Path(warehouse.inbox).mkdir()
    result = cli(warehouse, "check", "--repair")
    assert result.exit_code == 0, result.output
    wanted = [line for line in result.output.splitlines() if "put these files back" in line]
    assert len(wanted) == 1, result.output
    names = wanted[0].rsplit(": ", 1)[1].split(", ")
    assert len(names) == PAGES
    with sandbox.reader(warehouse.lake) as con:
        assert {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("issues", "articles", "metrics", "pages")} == dict.fromkeys(
            ("issues", "articles", "metrics", "pages"), 0)
    write_pages(Path(warehouse.inbox), PAGES, seed=16)
    from flows.runs import preview

    plan = preview(warehouse)
    assert sorted(p.name for p in plan.new) == sorted(names)
    for start in range(0, len(plan.new), BATCH):
        load_pages(warehouse, plan.new[start:start + BATCH])
    assert table_rows(warehouse) == clean[1]


def test_an_interrupted_repair_is_reported_and_finished(warehouse, clean, monkeypatch):
    import flows.repair

    files_of(warehouse, "articles")[-1].unlink()

    def killed(settings, record):
        raise KeyboardInterrupt

    monkeypatch.setattr(flows.repair, "_reload", killed)
    with pytest.raises(KeyboardInterrupt):
        flows.repair.repair(warehouse)
    monkeypatch.undo()
    result = cli(warehouse, "check")
    assert result.exit_code == 1 and result.output.strip() == \
        "Error: a repair did not finish: run `cppcc check --repair`"
    assert cli(warehouse, "run").output.strip() == \
        "Error: a repair of the warehouse did not finish: run `cppcc check --repair`"
    result = cli(warehouse, "check", "--repair")
    assert result.exit_code == 0, result.output
    assert table_rows(warehouse) == clean[1]


def test_a_damaged_delete_file_takes_its_data_file_with_it(tmp_path):
    """Without its delete file, which rows of a data file were deleted is unknown: both go, the pages in the
    data file are re-loaded, and the rows equal a build that was never damaged."""
    def replaced(root):
        settings = build(root)
        page = Path(settings.inbox) / "2025-01-01_demo_16_00000.txt"
        page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        load_pages(settings, [p for p in plan_inbox(Path(settings.inbox), {}, {}).new if p.name == page.name])
        return settings

    reference, settings = replaced(tmp_path / "reference"), replaced(tmp_path / "damaged")
    with sandbox.reader(settings.lake) as con:
        deletes = [f for f in check.lake_files(con) if f.kind == "delete"]
    assert deletes
    Path(deletes[0].path).unlink()
    result = cli(settings, "check")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(f"{deletes[0].table}: delete file {shown(settings, Path(deletes[0].path))} is missing")
    result = cli(settings, "check", "--repair")
    assert result.exit_code == 0, result.output
    assert table_rows(settings) == table_rows(reference)


def test_the_whole_cycle_through_cppcc_processes(tmp_path, prefect_api):
    """Real `cppcc` processes and flow runs: a run's warehouse (its files merged by housekeeping) loses a file;
    every command says so in one line; the repair restores the rows; run, reprocess and forget work again."""
    from test_flow import cppcc

    def ok(*args):
        result = cppcc(*args, root=tmp_path, api=prefect_api, CPPCC_BATCH_SIZE=str(BATCH))
        assert result.returncode == 0, result.stderr
        return result

    settings = make_settings(tmp_path)
    ok("generate", "--pages", str(PAGES), "--seed", "16", "--out", str(settings.inbox))
    ok("run")
    before = table_rows(settings)
    target = files_of(settings, "articles")[0]
    target.unlink()
    checked = cppcc("check", root=tmp_path)
    assert checked.returncode == 1 and shown(settings, target) in checked.stdout
    name = "2025-01-01_demo_16_00000.txt"
    for command in (["run"], ["reprocess"], ["forget", name]):
        result = cppcc(*command, root=tmp_path, api=prefect_api)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines() == [
            f"Error: the warehouse is damaged: articles: data file {shown(settings, target)} is missing; "
            f"run `cppcc check --repair`"], command
    repaired = ok("check", "--repair")
    assert repaired.stdout.strip().splitlines()[-1].startswith("warehouse ok: ")
    assert table_rows(settings) == before
    assert "re-processed" in ok("reprocess", "--all").stdout
    write_pages(Path(settings.inbox) / "later", 1, seed=99)
    assert ok("run").stdout.startswith("completed: ")
    assert ok("forget", name).stdout.startswith(f"forgot {name}: ")
    assert ok("check").stdout.startswith("warehouse ok: ")
