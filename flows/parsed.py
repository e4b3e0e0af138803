"""A page as a parsing process returns it: its rows, or the stage and reason it was set aside."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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
        """Parsed, and not set aside since (the rows may have been dropped once committed)."""
        return self.stage is None

    def reject(self, stage: str, reason: str) -> None:
        """Set aside by the parsing process, as it builds this result. Nothing changes a page after: what later
        steps decide is their own value (`flows.batch.Validated`, `Committed`)."""
        self.stage, self.reason = stage, reason


def parse_chunk(pages: list[SourcePage], max_bytes: int) -> list[ParsedPage]:
    """Parse pages where this runs (a parsing process, a Dask worker). The parser is imported here, not at the
    top: the flow's process hands this function to its workers and never loads the parser (jieba's dictionary)."""
    from .parse_worker import parse_source_page

    return [parse_source_page(p, max_bytes) for p in pages]
