"""Parsing pages, in worker processes. No Prefect here: workers import only the parser.

Imported by the forkserver before it forks workers, so jieba's dictionary is loaded once, not per worker."""
from __future__ import annotations

from transforms.errors import PageParseError
from transforms.page import parse_page
from transforms.text import decode_page
from transforms.tokens import warm_up

from . import cancel
from .budget import OverBudget, over_budget_reason, time_budget
from .parsed import ParsedPage
from .sources import SourcePage, sha256_of

warm_up()


def parse_source_page(page: SourcePage, max_bytes: int, budget_seconds: float | None = None) -> ParsedPage:
    """Read, decode and parse one page; never raises for bad input (module level: runs in worker processes).
    Decoding and parsing that take longer than `budget_seconds` set the page aside (stage `parse`). Parsing
    in the run's own process (one worker), a run asked to stop raises RunCancelled before the next page."""
    cancel.check()
    parsed = ParsedPage(page, sha256=page.sha256)
    try:
        parsed.raw = page.read()
        parsed.sha256 = sha256_of(parsed.raw)      # the bytes read now, should the file have changed
        if len(parsed.raw) > max_bytes:
            raise PageParseError("read", f"file is {len(parsed.raw)} bytes, over the {max_bytes} byte limit")
        with time_budget(budget_seconds):
            parsed.rows = parse_page(decode_page(parsed.raw), page.name, parsed.sha256)
    except OverBudget:
        parsed.rows = None
        parsed.reject("parse", over_budget_reason(budget_seconds))
    except PageParseError as exc:
        parsed.reject(exc.stage, exc.reason)
    except FileNotFoundError:
        parsed.reject("read", "file disappeared before it was read")
    except OSError as exc:
        parsed.reject("read", f"cannot be read: {exc.strerror or exc}")
    except Exception as exc:  # a parser bug on one page must not stop the others
        parsed.reject("parse", f"{type(exc).__name__}: {exc}")
    return parsed
