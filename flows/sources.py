"""Where pages come from, and the plan of a run: what is new, unchanged, renamed, a duplicate, known to be
bad, not ready or unreadable. No Prefect here, so `cppcc run` can say "nothing new" in about a second.

Two sources give pages the same way: the inbox (files) and the warehouse's stored raw pages
(re-processing after a parser change). A `SourcePage` is read with `read()` wherever it came from.

The inbox is searched recursively, so dated archives (`2025/05/27_p4.txt`) work; a page's name is its
path relative to the inbox. Hidden files and folders are skipped, and so are folder symlinks. A file
symlink is followed only when it leads to a regular file inside the inbox; a dangling one, one leading
outside, a special file (FIFO, device) and a file that cannot be read are set aside as unreadable.
"""
from __future__ import annotations

import hashlib
import os
import stat
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cppcc.errors import CppccError
from transforms import PARSER_VERSION

UNFINISHED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


class InboxError(CppccError):
    """The inbox folder itself is missing or unreadable."""


@dataclass(frozen=True)
class SourcePage:
    name: str                      # the page's source_name
    sha256: str
    path: Path | None = None       # an inbox file
    raw: bytes | None = None       # a stored page

    def read(self) -> bytes:
        return self.raw if self.raw is not None else self.path.read_bytes()


@dataclass(frozen=True)
class Unreadable:
    name: str
    reason: str
    path: Path | None = None


@dataclass(frozen=True)
class Seen:
    """A file as a plan found it: its stat just before it was read, and the hash of what was read."""
    stat: tuple[int, int, int, int]        # (size, mtime_ns, ctime_ns, inode)
    sha256: str


def stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a file unchanged since it was hashed, without reading it (as rsync's quick check)."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


@dataclass
class Plan:
    new: list[SourcePage] = field(default_factory=list)                      # to parse and load
    unchanged: list[SourcePage] = field(default_factory=list)                # loaded with this content
    renamed: list[tuple[SourcePage, str]] = field(default_factory=list)      # (page, its loaded name)
    duplicates: list[tuple[SourcePage, str]] = field(default_factory=list)   # (page, the file it copies)
    known_bad: list[SourcePage] = field(default_factory=list)                # quarantined before, unchanged
    not_ready: list[str] = field(default_factory=list)                       # still being written
    unreadable: list[Unreadable] = field(default_factory=list)
    seen: dict[str, Seen] = field(default_factory=dict)     # each file hashed: what a later plan may reuse

    @property
    def files_seen(self) -> int:
        return (len(self.new) + len(self.unchanged) + len(self.renamed) + len(self.duplicates)
                + len(self.known_bad) + len(self.not_ready) + len(self.unreadable))

    @property
    def has_work(self) -> bool:
        return bool(self.new or self.renamed or self.duplicates or self.unreadable)

    def counters(self) -> dict[str, int]:
        """How many files fall in each part of the plan (`flows.summary.counts_line` says them)."""
        parts = ("new", "unchanged", "renamed", "duplicates", "known_bad", "unreadable", "not_ready")
        return {"files_seen": self.files_seen, **{part: len(getattr(self, part)) for part in parts}}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- the inbox

def check_inbox(inbox: Path) -> None:
    if not inbox.exists():
        raise InboxError(f"inbox {inbox} does not exist (set CPPCC_INBOX or --inbox)")
    if not inbox.is_dir():
        raise InboxError(f"inbox {inbox} is not a folder")
    if not os.access(inbox, os.R_OK | os.X_OK):
        raise InboxError(f"inbox {inbox} cannot be read (permissions)")


def scan_inbox(inbox: Path, settle_seconds: float = 0.0, earlier: Plan | None = None
               ) -> tuple[list[tuple[str, Path]], list[str], list[Unreadable]]:
    """(finished files as (name, path), names not ready, unreadable entries), sorted by name. `earlier`: a plan
    of this inbox made moments ago, which watched its files already (see `_settled`)."""
    check_inbox(inbox)
    root = inbox.resolve()
    files: list[tuple[str, Path]] = []
    not_ready: list[str] = []
    unreadable: list[Unreadable] = []
    for folder, dirs, names in os.walk(inbox, onerror=lambda exc: unreadable.append(
            Unreadable(_relative(inbox, Path(exc.filename)) + "/", f"folder cannot be read: {exc.strerror}"))):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(folder, d)))
        for entry in sorted(n for n in names if not n.startswith(".")):
            path = Path(folder) / entry
            name = _relative(inbox, path)
            if entry.endswith(UNFINISHED_SUFFIXES):
                not_ready.append(name)
            elif problem := _not_a_page_file(path, root):
                unreadable.append(Unreadable(name, problem, path))
            else:
                files.append((name, path))
    if settle_seconds > 0:
        files, still_changing = _settled(files, settle_seconds, earlier)
        not_ready += still_changing
    return files, sorted(not_ready), unreadable


def _relative(inbox: Path, path: Path) -> str:
    return path.relative_to(inbox).as_posix()


def _not_a_page_file(path: Path, root: Path) -> str | None:
    """Why this entry cannot be a page file, or None."""
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            return f"dangling symlink to {os.readlink(path)}"
        if not target.is_relative_to(root):
            return f"symlink leads outside the inbox (to {target})"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def _settled(files: list[tuple[str, Path]], settle_seconds: float, earlier: Plan | None = None
             ) -> tuple[list[tuple[str, Path]], list[str]]:
    """Files changed within the last `settle_seconds` are watched that long; those still changing wait.

    After an `earlier` plan (`cppcc run`'s preview), the window is not waited out again: a file as that plan
    hashed it is settled, and one that changed since is still being written and waits for the next run."""
    now = time.time()
    fresh = {}
    for name, path in files:
        st = path.stat()
        if now - st.st_mtime < settle_seconds and not _unchanged_since(earlier, name, st):
            fresh[name] = (st.st_size, st.st_mtime_ns)
    if not fresh:
        return files, []
    if earlier is not None:
        changing = list(fresh)
    else:
        time.sleep(settle_seconds)
        changing = []
        for name, path in files:
            if name in fresh:
                try:
                    st = path.stat()
                    if (st.st_size, st.st_mtime_ns) != fresh[name]:
                        changing.append(name)
                except OSError:
                    changing.append(name)
    return [(n, p) for n, p in files if n not in changing], changing


def _unchanged_since(earlier: Plan | None, name: str, st: os.stat_result) -> bool:
    seen = earlier.seen.get(name) if earlier is not None else None
    return seen is not None and seen.stat == stat_key(st)


def _hashed(name: str, path: Path, earlier: Plan | None) -> Seen:
    """The file's hash: the `earlier` plan's when the file is unchanged since (same size, times and inode), else
    read now."""
    st = path.stat()
    if _unchanged_since(earlier, name, st):
        return earlier.seen[name]
    return Seen(stat_key(st), sha256_of(path.read_bytes()))


def plan_inbox(inbox: Path, loaded: dict[str, tuple[str, str]], quarantined: dict[str, tuple[str, str]],
               settle_seconds: float = 0.0, force: bool = False, only: list[str] | None = None,
               earlier: Plan | None = None) -> Plan:
    """Compare the inbox with what the warehouse holds.

    `loaded`: sha256 -> (source_name, parser_version); `quarantined`: source_name -> (sha256, stage).
    `force` plans every file again; `only` restricts the plan to those names and forces them. `earlier`, a plan
    of the same inbox made moments ago (the preview of `cppcc run`, handed to the flow): its hashes are reused
    for files unchanged since, and the settle window is not waited out twice."""
    files, not_ready, unreadable = scan_inbox(inbox, settle_seconds, earlier)
    if only is not None:
        wanted = set(only)
        files = [(n, p) for n, p in files if n in wanted]
        not_ready = [n for n in not_ready if n in wanted]
        unreadable = [u for u in unreadable if u.name in wanted]
        force = True
    plan = Plan(not_ready=not_ready, unreadable=unreadable)
    present = {name for name, _ in files}
    seen: dict[str, str] = {}
    for name, path in files:
        try:
            plan.seen[name] = _hashed(name, path, earlier)
        except OSError as exc:
            plan.unreadable.append(Unreadable(name, f"cannot be read: {exc.strerror or exc}", path))
            continue
        _place(plan, SourcePage(name, plan.seen[name].sha256, path), seen, loaded, quarantined, present, force)
    return plan


def _place(plan: Plan, page: SourcePage, seen: dict[str, str], loaded: dict, quarantined: dict,
           present: set[str], force: bool) -> None:
    if page.sha256 in seen:
        _duplicate(plan, page, seen[page.sha256], quarantined)
        return
    seen[page.sha256] = page.name
    if force:
        plan.new.append(page)
    elif page.sha256 in loaded:
        name, version = loaded[page.sha256]
        if name != page.name and name in present:
            _duplicate(plan, page, name, quarantined)
        elif version != PARSER_VERSION:
            plan.new.append(page)
        elif name != page.name:
            plan.renamed.append((page, name))
        else:
            plan.unchanged.append(page)
    elif quarantined.get(page.name, (None,))[0] == page.sha256:
        plan.known_bad.append(page)
    else:
        plan.new.append(page)


def _duplicate(plan: Plan, page: SourcePage, original: str, quarantined: dict) -> None:
    """A duplicate recorded by an earlier run is known; a new one is recorded by this run."""
    if quarantined.get(page.name) == (page.sha256, "duplicate"):
        plan.known_bad.append(page)
    else:
        plan.duplicates.append((page, original))


# ---------------------------------------------------------------- the preview, handed to the flow

_handed: dict[str, Plan] = {}


def hand_over(plan: Plan) -> str:
    """Keep `cppcc run`'s preview for the flow run this process starts next; the key it is taken by. (A flow's
    parameters are sent to the Prefect server, so the plan, with a hash of every file, is not one of them.)"""
    key = uuid.uuid4().hex
    _handed[key] = plan
    return key


def take(key: str | None) -> Plan | None:
    """The plan handed over under `key`, once; None for a flow run started elsewhere (a deployment)."""
    return _handed.pop(key, None) if key else None


# ---------------------------------------------------------------- stored pages

def plan_stored(stored: list[tuple[str, str, bytes]]) -> Plan:
    """Stored raw pages (source_name, sha256, raw) to parse again."""
    return Plan(new=[SourcePage(name, sha, raw=raw) for name, sha, raw in stored])
