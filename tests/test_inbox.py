"""Run planning: only finished files, content hashes, duplicates, changed content, parser versions."""
import os
import time

from cppcc.generate import write_pages
from flows.inbox import finished_files, plan_run
from transforms.page import parse_page
from warehouse.db import load_page, open_warehouse


def _load(warehouse, path):
    import hashlib

    raw = path.read_bytes()
    frames = parse_page(raw.decode("utf-8"), path.name, hashlib.sha256(raw).hexdigest()).tables()
    with open_warehouse(warehouse) as con:
        load_page(con, frames, raw)


def test_unfinished_and_fresh_files_are_left_for_the_next_run(tmp_path):
    old, fresh = write_pages(tmp_path, 2, seed=3)
    (tmp_path / "upload.txt.part").write_text("x")
    (tmp_path / "copy.tmp").write_text("x")
    long_ago = time.time() - 60
    os.utime(old, (long_ago, long_ago))

    def keep_writing():  # a writer still appending during the settle window
        with fresh.open("a") as f:
            f.write("更多\n")

    import threading

    threading.Timer(0.1, keep_writing).start()
    ready, not_ready = finished_files(tmp_path, settle_seconds=0.5)
    assert ready == [old]
    assert sorted(p.name for p in not_ready) == sorted(["upload.txt.part", "copy.tmp", fresh.name])


def test_plan_tells_new_unchanged_duplicate_and_changed_files(tmp_path):
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    first, second = write_pages(inbox, 2, seed=5)
    _load(warehouse, first)
    (inbox / "renamed.txt").write_bytes(first.read_bytes())
    plan = plan_run(inbox, warehouse, settle_seconds=0)
    assert [f.name for f in plan.unchanged] == [first.name]
    assert [f.name for f in plan.new] == [second.name]
    assert [(f.name, original) for f, original in plan.duplicates] == [("renamed.txt", first.name)]

    first.write_bytes(second.read_bytes().replace("区".encode(), "县".encode()))
    plan = plan_run(inbox, warehouse, settle_seconds=0)
    assert first.name in [f.name for f in plan.new], "changed content under a known name is new"


def test_changed_content_under_the_same_name_replaces_the_old_rows(tmp_path):
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    page, other = write_pages(inbox, 2, seed=8)
    _load(warehouse, page)
    page.write_bytes(other.read_bytes())
    _load(warehouse, page)
    with open_warehouse(warehouse, read_only=True) as con:
        issues = con.execute("SELECT source_name, sha256 FROM issues").fetchall()
        assert len(issues) == 1 and issues[0][0] == page.name
        stored = con.execute("SELECT count(*), any_value(raw) FROM pages").fetchone()
        assert stored == (1, other.read_bytes())
        orphans = con.execute("SELECT count(*) FROM articles WHERE issue_id NOT IN (SELECT issue_id FROM issues)")
        assert orphans.fetchone()[0] == 0


def test_pages_of_an_older_parser_version_are_planned_again(tmp_path):
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    (page,) = write_pages(inbox, 1, seed=9)
    _load(warehouse, page)
    assert plan_run(inbox, warehouse, settle_seconds=0).new == []
    with open_warehouse(warehouse) as con:
        con.execute("UPDATE issues SET parser_version = '0.0.1'")
    assert [f.name for f in plan_run(inbox, warehouse, settle_seconds=0).new] == [page.name]
