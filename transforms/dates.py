"""Publication and event dates."""
from __future__ import annotations

import re
from datetime import date

_FILENAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_TEXT_DATE = re.compile(r"(?:((?:19|20)\d\d)年)?(\d{1,2})月(\d{1,2})日")
_YEAR = re.compile(r"((?:19|20)\d\d)年")
_FUTURE_CUE = re.compile(r"(预计|计划|力争|将于|将在|到|至)$")


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def date_from_filename(name: str) -> date | None:
    """`2025-05-27_p4.txt`, `20250527.txt` -> 2025-05-27."""
    m = _FILENAME_DATE.search(name)
    return _safe_date(*map(int, m.groups())) if m else None


def estimate_year(text: str) -> int | None:
    """The page's year: the latest year its stories look back on. A year the text looks forward to
    (预计/力争 … 2026年) that is two or more past it means the page is from the year before that one."""
    past, future = [], []
    for m in _YEAR.finditer(text):
        cue = text[max(0, m.start() - 6):m.start()]
        (future if re.search(r"预计|计划|力争|将于|将在|到$|至$|今年底建成", cue) else past).append(int(m.group(1)))
    year = max(past) if past else None
    if future and (year is None or min(future) > year + 1):
        year = min(future) - 1
    return year


def estimate_issue_date(text: str) -> date | None:
    """The latest explicit month-day in the text, its year from the text when it has none."""
    year = estimate_year(text)
    dates = []
    for m in _TEXT_DATE.finditer(text):
        y = int(m.group(1)) if m.group(1) else year
        if y:
            d = _safe_date(y, int(m.group(2)), int(m.group(3)))
            if d and not _FUTURE_CUE.search(text[max(0, m.start() - 4):m.start()]):
                dates.append(d)
    return max(dates) if dates else None


def first_event_date(body: str, year: int | None) -> date | None:
    """The first explicit date in an article body, its year resolved from the text or the issue."""
    for m in _TEXT_DATE.finditer(body):
        y = int(m.group(1)) if m.group(1) else year
        if y and (d := _safe_date(y, int(m.group(2)), int(m.group(3)))):
            return d
    return None
