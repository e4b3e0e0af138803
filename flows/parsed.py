"""A page as a parsing process returns it: its rows, or the stage and reason it was set aside; and a batch's
pages as the flow gets them back, their rows already columns."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .frames import BatchFrames, build_frames, concat
from .sources import SourcePage

if TYPE_CHECKING:      # the parser itself is loaded by the parsing processes only
    from transforms.page import PageRows


@dataclass
class ParsedPage:
    page: SourcePage
    raw: bytes = b""
    sha256: str = ""
    rows: PageRows | None = None
    stage: str | None = None       # where it failed, if it did
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """Parsed (its rows here, or in its batch's frames)."""
        return self.stage is None

    def reject(self, stage: str, reason: str) -> None:
        """Set aside by the parsing process, as it builds this result. Nothing changes a page after: what later
        steps decide is their own value (`flows.batch.Validated`, `Committed`)."""
        self.stage, self.reason = stage, reason


def parse_chunk(pages: list[SourcePage], max_bytes: int, budget_seconds: float | None = None) -> list[ParsedPage]:
    """Parse pages where this runs (a parsing process, a Dask worker). The parser is imported here, not at the
    top: the flow's process hands this function to its workers and never loads the parser (jieba's dictionary)."""
    from .parse_worker import parse_source_page

    return [parse_source_page(p, max_bytes, budget_seconds) for p in pages]


@dataclass
class ParsedBatch:
    """Pages parsed, as the flow gets them back: each page's outcome, and the rows of those parsed as one frame
    per table, built in the parsing process (`parse_to_frames`)."""
    pages: list[ParsedPage]        # each page's outcome; its rows and raw bytes are in `frames`
    frames: BatchFrames


def parse_to_frames(pages: list[SourcePage], max_bytes: int, budget_seconds: float | None = None) -> ParsedBatch:
    """Parse pages and turn their rows into columns where they were made (a parsing process): what goes back
    to the flow is Arrow-backed frames, not Python dicts to be turned into frames there."""
    parsed = parse_chunk(pages, max_bytes, budget_seconds)
    frames = build_frames([p for p in parsed if p.ok])
    return ParsedBatch([replace(p, raw=b"", rows=None) for p in parsed], frames)


def joined(parts: list[ParsedBatch]) -> ParsedBatch:
    """The chunks of a batch as one."""
    return ParsedBatch([p for part in parts for p in part.pages], concat([part.frames for part in parts]))
