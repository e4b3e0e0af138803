"""Publication and event dates, and years relative to the issue (今年, 明年, 去年: lexicons/dates.yaml)."""
from __future__ import annotations

import re
from datetime import date
from functools import cache

from .lexicons import load_lexicon
from .numbers import NONZERO_DIGITS
from .text import clause_before

# A year as the pages write it, once: in digits (2024) or in Chinese numerals (二〇二四).
YEAR = r"(?:19|20)\d\d"
CHINESE_YEAR = rf"[〇零一二][〇零{NONZERO_DIGITS}]{{3}}"
_FILENAME_DATE = re.compile(rf"(?<!\d)({YEAR})[-_./]?(0[1-9]|1[0-2])[-_./]?(0[1-9]|[12]\d|3[01])(?!\d)")
_TEXT_DATE = re.compile(rf"(?:({YEAR})年)?(\d{{1,2}})月(\d{{1,2}})日")
_YEAR = re.compile(rf"({YEAR})年")


@cache
def _lexicon() -> dict:
    return load_lexicon("dates")


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def date_from_filename(name: str) -> date | None:
    """`2025-05-27_p4.txt`, `20250527.txt`, `2025/05/27_p4.txt` (a dated archive folder) -> 2025-05-27.
    The file's own name wins over its folders'."""
    for text in (name.rsplit("/", 1)[-1], name):
        if m := _FILENAME_DATE.search(text):
            if found := _safe_date(*map(int, m.groups())):
                return found
    return None


def stated_years(text: str) -> list[int]:
    """The years `text` states (`2021 年`, `2023年度`), in order."""
    return [int(y) for y in _YEAR.findall(text)]


def looks_forward(text: str, pos: int) -> bool:
    """Does the clause before `pos` look forward (预计, 计划, 力争 … or ends with 到/至)?"""
    clause = clause_before(text, pos)
    return any(cue in clause if len(cue) > 1 else clause.endswith(cue) for cue in _lexicon()["future_cues"])


def relative_year(text: str, issue_year: int | None) -> int | None:
    """The year a relative word in `text` names (the last one), from the issue's year; None without either."""
    if issue_year is None:
        return None
    found = _relative_pattern().findall(text)
    return issue_year + _lexicon()["relative_years"][found[-1]] if found else None


@cache
def _relative_pattern() -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(_lexicon()["relative_years"], key=len, reverse=True))))


def estimate_year(text: str) -> int | None:
    """The page's year: the latest year its stories look back on. A year the text looks forward to
    (预计/力争 … 2026年) that is two or more past it means the page is from the year before that one."""
    past, future = [], []
    for m in _YEAR.finditer(text):
        (future if looks_forward(text, m.start()) else past).append(int(m.group(1)))
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
            if d and not looks_forward(text, m.start()):
                dates.append(d)
    return max(dates) if dates else None


def first_event_date(body: str, year: int | None) -> date | None:
    """The first explicit date in an article body; its year stated, relative (明年3月5日) or the issue's."""
    for m in _TEXT_DATE.finditer(body):
        y = int(m.group(1)) if m.group(1) else relative_year(body[max(0, m.start() - 3):m.start()], year) or year
        if y and (d := _safe_date(y, int(m.group(2)), int(m.group(3)))):
            return d
    return None
