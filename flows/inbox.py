"""What is in the inbox and what the warehouse already has: the plan of a run. No Prefect here,
so `cppcc run` can say "nothing new" in about a second."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from transforms import PARSER_VERSION
from warehouse.db import known_files, open_warehouse, quarantined_hashes

UNFINISHED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


@dataclass(frozen=True)
class InboxFile:
    path: Path
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class Plan:
    new: list[InboxFile] = field(default_factory=list)          # to parse and load
    unchanged: list[InboxFile] = field(default_factory=list)    # already loaded with this content
    duplicates: list[tuple[InboxFile, str]] = field(default_factory=list)  # same content as a loaded file
    known_bad: list[InboxFile] = field(default_factory=list)    # quarantined before, content unchanged
    not_ready: list[Path] = field(default_factory=list)         # still being written

    @property
    def files_seen(self) -> int:
        return len(self.new) + len(self.unchanged) + len(self.duplicates) + len(self.known_bad) + len(self.not_ready)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def finished_files(inbox: Path, settle_seconds: float) -> tuple[list[Path], list[Path]]:
    """(finished, not ready). Not ready: a .part/.tmp name, or a size or mtime that still changes."""
    if not inbox.is_dir():
        return [], []
    candidates = sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))
    not_ready = [p for p in candidates if p.name.endswith(UNFINISHED_SUFFIXES)]
    candidates = [p for p in candidates if p not in not_ready]
    now = time.time()
    fresh = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in candidates if now - p.stat().st_mtime < settle_seconds}
    if fresh:
        time.sleep(settle_seconds)
        for p, before in fresh.items():
            if not p.exists() or (p.stat().st_size, p.stat().st_mtime_ns) != before:
                not_ready.append(p)
    return [p for p in candidates if p not in not_ready and p.exists()], not_ready


def plan_run(inbox: Path, warehouse: Path, settle_seconds: float = 1.0, force: bool = False) -> Plan:
    """Compare the inbox with the warehouse. `force` re-loads every file, loaded or not."""
    files, not_ready = finished_files(inbox, settle_seconds)
    loaded: dict[str, tuple[str, str]] = {}
    bad: set[str] = set()
    if warehouse.exists():
        with open_warehouse(warehouse, read_only=True) as con:
            loaded, bad = known_files(con), quarantined_hashes(con)
    plan = Plan(not_ready=not_ready)

    def duplicate(f: InboxFile, original: str) -> None:
        # Already recorded as a duplicate by an earlier run: a loaded page's hash is in quarantine for no other reason.
        if f.sha256 in bad:
            plan.known_bad.append(f)
        else:
            plan.duplicates.append((f, original))

    seen: dict[str, str] = {}
    for path in files:
        f = InboxFile(path, sha256_of(path))
        if f.sha256 in seen:
            duplicate(f, seen[f.sha256])
            continue
        seen[f.sha256] = f.name
        if f.sha256 in loaded and not force:
            name, version = loaded[f.sha256]
            if name != f.name:
                duplicate(f, name)
            elif version != PARSER_VERSION:
                plan.new.append(f)
            else:
                plan.unchanged.append(f)
        elif f.sha256 in bad and not force:
            plan.known_bad.append(f)
        else:
            plan.new.append(f)
    return plan
