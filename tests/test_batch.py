"""A batch's steps give values: parsing the pages' outcomes and their rows as columns, validation the pages it
set aside with the checks' names, the commit what it loaded and what it set aside, page by page when the
batch's commit fails for one page's sake. No step changes a page."""
from pathlib import Path

import duckdb
import pytest

from cppcc.generate import write_pages
from flows import batch
from flows.parsed import parse_to_frames
from flows.sources import plan_inbox
from warehouse import connection, load, sandbox


def parsed_pages(folder: Path, n: int, seed: int):
    write_pages(folder, n, seed=seed)
    (folder / "empty.txt").write_bytes(b"")
    return parse_to_frames(plan_inbox(folder, {}, {}).new, 2_000_000)


def no_failures(frames, taken):
    return {}


def test_validation_returns_the_pages_it_set_aside_and_leaves_the_pages_alone(tmp_path, settings):
    parsed = parsed_pages(tmp_path / "inbox", 3, seed=51)
    before = [(p.stage, p.reason) for p in parsed.pages]
    bad = next(p for p in parsed.pages if p.ok)
    bad_id = parsed.frames.issue_ids()[bad.page.name]

    def one_fails(frames, taken):
        return {bad_id: ["expect_column_values_to_not_be_null", "expect_column_values_to_not_be_null"]}

    with connection.writer(settings.lake) as con:
        validated = batch.validate(con, parsed, one_fails)
    assert [(p.stage, p.reason) for p in parsed.pages] == before, "no page was changed"
    assert {(r.name, r.stage, r.reason) for r in validated.rejected} == {
        ("empty.txt", "decode", "empty file"), (bad.page.name, "validate", "expect_column_values_to_not_be_null")}
    assert bad_id not in validated.frames.tables["issues"]["issue_id"].to_list()
    assert validated.frames.pages == 2 and len(validated.sources) == 2


def test_a_commit_says_what_it_loaded_and_set_aside(tmp_path, settings):
    parsed = parsed_pages(tmp_path / "inbox", 3, seed=52)
    with connection.writer(settings.lake) as con:
        committed = batch.commit(con, batch.validate(con, parsed, no_failures), "r1")
    assert sorted(committed.loaded) == sorted(p.page.name for p in parsed.pages if p.ok) and len(committed.loaded) == 3
    assert [(r.name, r.stage) for r in committed.rejected] == [("empty.txt", "decode")]
    assert committed.rows["issues"] == 3 and committed.rows["articles"] == len(committed.districts) > 0
    assert sandbox.query(settings.lake, "SELECT source_name, stage FROM quarantine")[1] == [("empty.txt", "decode")]


def test_a_page_whose_rows_fail_at_the_commit_is_set_aside_at_load_and_the_others_commit(tmp_path, settings,
                                                                                          monkeypatch):
    parsed = parsed_pages(tmp_path / "inbox", 3, seed=53)
    bad = next(p for p in parsed.pages if p.ok)
    bad_id = parsed.frames.issue_ids()[bad.page.name]
    real_insert = load.insert

    def refuses_one_page(con, table, frame):
        if table == "articles" and bad_id in frame["issue_id"].to_list():
            raise duckdb.ConstraintException("Constraint Error: a row the warehouse refuses")
        real_insert(con, table, frame)

    monkeypatch.setattr(load, "insert", refuses_one_page)
    with connection.writer(settings.lake) as con:
        committed = batch.commit(con, batch.validate(con, parsed, no_failures), "r1")
    assert {(r.name, r.stage, r.reason) for r in committed.rejected} == {
        ("empty.txt", "decode", "empty file"), (bad.page.name, "load", "Constraint Error: a row the warehouse refuses")}
    assert len(committed.loaded) == 2 and bad.page.name not in committed.loaded
    assert committed.rows["issues"] == 2, "the rows of the page set aside are not counted"
    held = sandbox.query(settings.lake, "SELECT source_name, stage FROM quarantine ORDER BY 1")[1]
    assert held == sorted([("empty.txt", "decode"), (bad.page.name, "load")])
    assert sandbox.query(settings.lake, "SELECT count(*) FROM issues")[1] == [(2,)]


def test_the_warehouse_failing_quarantines_nothing(tmp_path, settings, monkeypatch):
    from warehouse.errors import WarehouseFailure

    parsed = parsed_pages(tmp_path / "inbox", 2, seed=54)

    def disk_full(con, table, frame):
        raise duckdb.IOException("No space left on device")

    with connection.writer(settings.lake) as con:
        validated = batch.validate(con, parsed, no_failures)
        monkeypatch.setattr(load, "insert", disk_full)
        with pytest.raises(WarehouseFailure):
            batch.commit(con, validated, "r1")
    monkeypatch.undo()
    assert sandbox.query(settings.lake, "SELECT count(*) FROM quarantine")[1] == [(0,)]


def test_the_rows_come_back_as_the_frames_the_flow_would_have_built(tmp_path):
    """Columns built in the parsing process, per chunk, equal the frames built from the row dicts."""
    from flows.frames import build_frames
    from flows.parsed import joined, parse_chunk

    write_pages(tmp_path, 5, seed=55)
    pages = plan_inbox(tmp_path, {}, {}).new
    in_chunks = joined([parse_to_frames(pages[:2], 2_000_000), parse_to_frames(pages[2:], 2_000_000)])
    from_rows = build_frames(parse_chunk(pages, 2_000_000))
    assert [p.page.name for p in in_chunks.pages] == [p.name for p in pages]
    assert all(p.rows is None and p.raw == b"" for p in in_chunks.pages), "the rows travel as columns only"
    for table, frame in from_rows.tables.items():
        assert in_chunks.frames.tables[table].drop("loaded_at", strict=False).equals(
            frame.drop("loaded_at", strict=False)), table
    assert in_chunks.frames.raw_pages.drop("stored_at").equals(from_rows.raw_pages.drop("stored_at"))
