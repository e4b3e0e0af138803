"""What a run sets aside: a `Rejected` file (its name, content hash, the stage and the reason), its row in the
`quarantine` table, and its inbox file moved to the quarantine folder once the run has recorded it."""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from warehouse.load import quarantine_frame

from .parsed import ParsedPage
from .sources import Plan


@dataclass(frozen=True)
class Rejected:
    name: str
    sha256: str | None             # None when its bytes could not be read
    stage: str                     # one of the contract's QUARANTINE_STAGES (checked when it is recorded)
    reason: str
    path: Path | None = None       # its inbox file, if it came from the inbox


def at_parse(parsed: Iterable[ParsedPage]) -> list[Rejected]:
    """The pages their parsing process set aside (unreadable, undecodable, oversized, no page, a parser bug)."""
    return [rejected(p, p.stage, p.reason) for p in parsed if not p.ok]


def rejected(page: ParsedPage, stage: str, reason: str) -> Rejected:
    return Rejected(page.page.name, page.sha256 or page.page.sha256, stage, reason, page.page.path)


def duplicates(plan: Plan) -> list[Rejected]:
    """New duplicates of another file: recorded, so that later runs know them, but left in the inbox (no path)."""
    return [Rejected(page.name, page.sha256, "duplicate", f"same content as {original}")
            for page, original in plan.duplicates]


def unreadable(plan: Plan) -> list[Rejected]:
    """Inbox entries that cannot be read: a special file, a symlink leading outside or nowhere, no permission."""
    return [Rejected(u.name, None, "read", u.reason, u.path) for u in plan.unreadable]


def rows(rejected_files: Iterable[Rejected], run_id: str) -> pl.DataFrame:
    """Their rows in the `quarantine` table."""
    return quarantine_frame([(r.name, r.sha256, r.stage, r.reason) for r in rejected_files], run_id)


def move_aside(rejected_files: Iterable[Rejected], folder: Path, logger) -> None:
    """Say each in the log and move its inbox file into the quarantine folder, under the same relative name (a
    symlink is moved, never its target); call this once their records are committed. A file that cannot be
    moved is said in the log and stays: its record keeps it out of later runs while its content is unchanged."""
    for r in rejected_files:
        logger.warning("quarantined %s at %s: %s", r.name, r.stage, r.reason)
        if r.path is None or not (r.path.exists() or r.path.is_symlink()):
            continue
        target = folder / r.name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(r.path), str(target))
        except OSError as exc:
            logger.warning("could not move %s to %s: %s", r.name, target, exc)
