"""Parsing one inbox file, in a worker process. No Prefect here: workers import only the parser.

Imported by the forkserver before it forks workers, so jieba's dictionary is loaded once, not per worker."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.errors import PageParseError
from transforms.page import parse_page
from transforms.text import decode_page
from transforms.tokens import warm_up

from .inbox import InboxFile

warm_up()


@dataclass
class ParsedPage:
    file: InboxFile
    raw: bytes = b""
    tables: dict[str, pl.DataFrame] | None = None
    stage: str | None = None       # where it failed, if it did
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.tables is not None and self.stage is None


def parse_file(file: InboxFile, max_bytes: int) -> ParsedPage:
    """Read, decode and parse one file; never raises for bad input (module level: runs in worker processes)."""
    page = ParsedPage(file)
    try:
        page.raw = file.path.read_bytes()
        if len(page.raw) > max_bytes:
            raise PageParseError("read", f"file is {len(page.raw)} bytes, over the {max_bytes} byte limit")
        text = decode_page(page.raw)
        page.tables = parse_page(text, file.name, file.sha256).tables()
    except PageParseError as exc:
        page.stage, page.reason = exc.stage, exc.reason
    except OSError as exc:
        page.stage, page.reason = "read", str(exc)
    except Exception as exc:  # a parser bug on one page must not stop the others
        page.stage, page.reason = "parse", f"{type(exc).__name__}: {exc}"
    return page
