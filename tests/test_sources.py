"""The plan of a run: finished files only, content hashes, renames, duplicates, subfolders, symlinks and
files that cannot be read, which are set aside without stopping the others."""
import os
import threading
import time

import pytest

from cppcc.generate import write_pages
from flows.sources import InboxError, plan_inbox, scan_inbox
from transforms import PARSER_VERSION


def names(pages):
    return [p.name for p in pages]


def test_unfinished_and_fresh_files_are_left_for_the_next_run(tmp_path):
    old, fresh = write_pages(tmp_path, 2, seed=3)
    (tmp_path / "upload.txt.part").write_text("x")
    (tmp_path / "copy.tmp").write_text("x")
    long_ago = time.time() - 60
    os.utime(old, (long_ago, long_ago))

    def keep_writing():  # a writer still appending during the settle window
        with fresh.open("a") as f:
            f.write("更多\n")

    threading.Timer(0.1, keep_writing).start()
    ready, not_ready, unreadable = scan_inbox(tmp_path, settle_seconds=0.5)
    assert ready == [(old.name, old)] and unreadable == []
    assert sorted(not_ready) == sorted(["upload.txt.part", "copy.tmp", fresh.name])


def test_plan_tells_new_unchanged_known_bad_and_changed_files(tmp_path):
    first, second, third = write_pages(tmp_path, 3, seed=5)
    sha = {p.name: p.sha256 for p in plan_inbox(tmp_path, {}, {}).new}
    loaded = {sha[first.name]: (first.name, PARSER_VERSION)}
    held = {third.name: (sha[third.name], "parse")}
    plan = plan_inbox(tmp_path, loaded, held)
    assert names(plan.unchanged) == [first.name] and names(plan.new) == [second.name]
    assert names(plan.known_bad) == [third.name]
    third.write_bytes(second.read_bytes().replace("区".encode(), "县".encode()))
    assert third.name in names(plan_inbox(tmp_path, loaded, held).new), "changed content under a known name is new"


def test_a_copy_beside_the_loaded_file_is_a_duplicate_and_a_lone_copy_a_rename(tmp_path):
    (first,) = write_pages(tmp_path, 1, seed=6)
    (page,) = plan_inbox(tmp_path, {}, {}).new
    loaded = {page.sha256: (first.name, PARSER_VERSION)}
    (tmp_path / "copy.txt").write_bytes(first.read_bytes())
    plan = plan_inbox(tmp_path, loaded, {})
    assert [(p.name, original) for p, original in plan.duplicates] == [("copy.txt", first.name)]
    assert not plan.renamed
    recorded = {"copy.txt": (page.sha256, "duplicate")}
    assert names(plan_inbox(tmp_path, loaded, recorded).known_bad) == ["copy.txt"], "recorded once, then known"
    first.unlink()
    plan = plan_inbox(tmp_path, loaded, {})
    assert [(p.name, old) for p, old in plan.renamed] == [("copy.txt", first.name)] and not plan.duplicates


def test_pages_of_an_older_parser_version_are_planned_again(tmp_path):
    write_pages(tmp_path, 1, seed=9)
    (page,) = plan_inbox(tmp_path, {}, {}).new
    assert plan_inbox(tmp_path, {page.sha256: (page.name, PARSER_VERSION)}, {}).new == []
    assert names(plan_inbox(tmp_path, {page.sha256: (page.name, "0.0.1")}, {}).new) == [page.name]


def test_subfolders_are_searched_and_names_are_relative_paths(tmp_path):
    write_pages(tmp_path / "2025" / "05", 2, seed=10)
    (tmp_path / ".hidden").mkdir()
    write_pages(tmp_path / ".hidden", 1, seed=11)
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    plan = plan_inbox(tmp_path, {}, {})
    assert all(n.startswith("2025/05/") for n in names(plan.new)) and len(plan.new) == 2
    assert plan.files_seen == 2


def test_symlinks_leading_outside_or_nowhere_and_special_files_are_unreadable(tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "secret.txt"
    (page,) = write_pages(inbox, 1, seed=12)
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (inbox / "escape.txt").symlink_to(outside)
    (inbox / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (inbox / "inside.txt").symlink_to(page)
    os.mkfifo(inbox / "pipe.txt")
    plan = plan_inbox(inbox, {}, {})
    reasons = {u.name: u.reason for u in plan.unreadable}
    assert reasons.keys() == {"escape.txt", "dangling.txt", "pipe.txt"}
    assert "outside the inbox" in reasons["escape.txt"] and "dangling" in reasons["dangling.txt"]
    assert reasons["pipe.txt"] == "not a regular file"
    assert names(plan.new) == [page.name], "a symlink inside the inbox is a duplicate of its target"
    assert [(p.name, o) for p, o in plan.duplicates] == [("inside.txt", page.name)]


def test_a_file_that_cannot_be_read_is_set_aside_and_the_others_planned(tmp_path, monkeypatch):
    good, bad = write_pages(tmp_path, 2, seed=13)
    real_read = type(bad).read_bytes

    def read_bytes(path):
        if path == bad:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(type(bad), "read_bytes", read_bytes)
    plan = plan_inbox(tmp_path, {}, {})
    assert names(plan.new) == [good.name]
    assert [(u.name, u.reason) for u in plan.unreadable] == [(bad.name, "cannot be read: Permission denied")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files of mode 000")
def test_a_mode_000_file_is_unreadable(tmp_path):
    good, bad = write_pages(tmp_path, 2, seed=14)
    bad.chmod(0)
    plan = plan_inbox(tmp_path, {}, {})
    assert names(plan.new) == [good.name] and [u.name for u in plan.unreadable] == [bad.name]


def test_a_missing_inbox_is_an_error(tmp_path):
    with pytest.raises(InboxError, match="does not exist"):
        plan_inbox(tmp_path / "no" / "such" / "dir", {}, {})
    (tmp_path / "file").write_text("x")
    with pytest.raises(InboxError, match="not a folder"):
        plan_inbox(tmp_path / "file", {}, {})


def test_only_restricts_the_plan_and_forces_those_files(tmp_path):
    first, second = write_pages(tmp_path, 2, seed=15)
    shas = {p.name: p.sha256 for p in plan_inbox(tmp_path, {}, {}).new}
    held = {first.name: (shas[first.name], "validate")}
    plan = plan_inbox(tmp_path, {}, held, only=[first.name])
    assert names(plan.new) == [first.name] and plan.files_seen == 1


def test_a_plan_handed_an_earlier_one_reads_only_what_changed_since(tmp_path, monkeypatch):
    """The flow's plan under the lock reuses the preview's hashes of files unchanged since (size, times, inode)."""
    first, second, third = write_pages(tmp_path, 3, seed=16)
    preview = plan_inbox(tmp_path, {}, {})
    third.write_bytes(third.read_bytes() + "更多\n".encode())
    reads = []
    real_read = type(first).read_bytes

    def read_bytes(path):
        reads.append(path.name)
        return real_read(path)

    monkeypatch.setattr(type(first), "read_bytes", read_bytes)
    plan = plan_inbox(tmp_path, {}, {}, earlier=preview)
    assert reads == [third.name], "only the file that changed is read again"
    assert {p.name: p.sha256 for p in plan.new} == {**{p.name: p.sha256 for p in preview.new},
                                                   third.name: plan.seen[third.name].sha256}
    assert plan.seen[third.name].sha256 != preview.seen[third.name].sha256
    assert plan_inbox(tmp_path, {}, {}).seen == plan.seen, "what a plan from scratch finds"


def test_the_settle_window_is_waited_out_once(tmp_path):
    """The preview watches fresh files; the flow's plan does not wait again: a file as the preview hashed it is
    settled, one that changed since is still being written."""
    steady, growing = write_pages(tmp_path, 2, seed=17)
    started = time.monotonic()
    preview = plan_inbox(tmp_path, {}, {}, settle_seconds=0.5)
    assert time.monotonic() - started >= 0.5 and len(preview.new) == 2
    with growing.open("a") as f:
        f.write("更多\n")
    started = time.monotonic()
    plan = plan_inbox(tmp_path, {}, {}, settle_seconds=0.5, earlier=preview)
    assert time.monotonic() - started < 0.5, "no second wait"
    assert names(plan.new) == [steady.name] and plan.not_ready == [growing.name]
