"""Publication and event dates, and years relative to the issue (今年, 明年, 去年: lexicons/dates.yaml)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from .lexicons import load_lexicon
from .numbers import NONZERO_DIGITS
from .text import clause_before

# A year as the pages write it, once: in digits (2024) or in Chinese numerals (二〇二四).
YEAR = r"(?:19|20)\d\d"
CHINESE_YEAR = rf"[〇零一二][〇零{NONZERO_DIGITS}]{{3}}"
ISSUE_SPAN_DAYS = 30       # the stories of one page are from the same weeks
NEAR_FUTURE_YEARS = 3      # a year looked forward to further past the text's own is a plan's horizon
_FILENAME_DATE = re.compile(rf"(?<!\d)({YEAR})[-_./]?(0[1-9]|1[0-2])[-_./]?(0[1-9]|[12]\d|3[01])(?!\d)")
_TEXT_DATE = re.compile(rf"(?:({YEAR})年)?(\d{{1,2}})月(\d{{1,2}})日")
_YEAR = re.compile(rf"({YEAR})年")
_CUTOFF = re.compile(rf"({YEAR})年(\d{{1,2}})月(?:(\d{{1,2}})日)?")


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
    """Does the clause before `pos` look forward (预计, 计划, 力争 … or ends with 到/至, but not 截至)?"""
    return _forward(clause_before(text, pos))


def _forward(clause: str) -> bool:
    if clause.endswith(_cutoff_words()):
        return False
    return any(cue in clause if len(cue) > 1 else clause.endswith(cue) for cue in _lexicon()["future_cues"])


@cache
def _cutoff_words() -> tuple[str, ...]:
    return tuple(_lexicon()["cutoff_words"])


def relative_year(text: str, issue_year: int | None) -> int | None:
    """The year a relative word in `text` names (the last one), from the issue's year; None without either."""
    if issue_year is None:
        return None
    found = _relative_pattern().findall(text)
    return issue_year + _lexicon()["relative_years"][found[-1]] if found else None


@cache
def _relative_pattern() -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(_lexicon()["relative_years"], key=len, reverse=True))))


@dataclass
class Years:
    """The years a text mentions, by what they say about when it was written."""
    past: list[int] = field(default_factory=list)      # years it looks back on: it is from one of them or later
    future: list[int] = field(default_factory=list)    # years it looks forward to (预计…2026年)
    before: list[int] = field(default_factory=list)    # years it is later than: a start (自2019年以来), a year done


def _years(text: str) -> Years:
    lex = _lexicon()
    found = Years()
    for m in _YEAR.finditer(text):
        year, after = int(m.group(1)), text[m.end():m.end() + 6]
        if after.startswith(tuple(lex["future_after"])):
            continue                                  # 2035年远景目标: a goal's horizon dates nothing
        if looks_forward(text, m.start()):
            found.future.append(year)
        elif after.startswith(tuple(lex["since_after"])) or text[max(0, m.start() - 2):m.start()].endswith(
                tuple(lex["since_before"])):
            found.before.append(year)                 # 自2019年以来, 2021年正式启动: a start, long ago or not
        elif any(after[:4].lstrip("，").startswith(word) for word in lex["done_after"]):
            found.before.append(year)                 # 2018年实现收入…: that year's result, told after it
        else:
            found.past.append(year)
    return found


def _named_since(text: str) -> int | None:
    """The earliest year the text can be from, by the periods it names (十四五 -> 2020, 二十大 -> 2022)."""
    years = [year for name, year in _lexicon()["named_since"].items() if name in text]
    return max(years) if years else None


def estimate_year(text: str) -> int | None:
    """The year of a text: the latest year it looks back on, and at least one after a year it speaks of as
    a start or as done, and no earlier than the periods it names allow. A year it looks forward to two or
    more past (but within NEAR_FUTURE_YEARS) means it is from the year before that one; a goal's year
    (`2035年远景目标`) says nothing. None when no year dates it."""
    years = _years(text)
    year = max(years.past) if years.past else None
    floors = [y + 1 for y in years.before] + [y for y in (_named_since(text),) if y and (year or years.before)]
    if floors and (year is None or max(floors) > year):
        year = max(floors)
    if years.future and (year is None or year + 1 < min(years.future) <= year + NEAR_FUTURE_YEARS):
        year = min(years.future) - 1
    return year


def event_dates(body: str, year: int | None) -> Iterator[date]:
    """The explicit dates of events in an article body, in order: cut-offs (截至8月30日) and dates looked
    forward to are not events. A date's year is the one stated with it, a relative one (明年3月5日), else
    `year`."""
    for m in _TEXT_DATE.finditer(body):
        clause = clause_before(body, m.start())
        if clause.endswith(_cutoff_words()) or _forward(clause):
            continue
        y = int(m.group(1)) if m.group(1) else relative_year(body[max(0, m.start() - 3):m.start()], year) or year
        if y and (d := _safe_date(y, int(m.group(2)), int(m.group(3)))):
            yield d


def _is_cutoff(text: str, pos: int) -> bool:
    return clause_before(text, pos).endswith(_cutoff_words())


def _cutoffs(body: str) -> list[date]:
    """`截至2025年8月`: the text was written after this (its first day, when no day is given)."""
    out = []
    for m in _CUTOFF.finditer(body):
        if _is_cutoff(body, m.start()) and (d := _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))):
            out.append(d)
    return out


def estimate_issue_date(bodies: list[str]) -> date | None:
    """The publication date of a page without a dated file name, from its articles' text.

    The page's year is estimate_year of all of it (None: the page is not dated). Its dated events are the
    explicit dates of that year (an undated month-day is of that year; cut-offs such as `截至2025年8月` count
    too: the page is later). The stories of one page are from the same weeks: a story that states the page's
    year anchors the date, and a date more than ISSUE_SPAN_DAYS after its latest one is of another year. The
    issue date is the latest dated event within that span."""
    year = estimate_year("\n".join(bodies))
    if year is None:
        return None
    events, anchors = [], []
    for body in bodies:
        dated = [d for d in [*event_dates(body, year), *_cutoffs(body)] if d.year == year]
        events += dated
        if dated and (year in stated_years(body) or estimate_year(body) == year):
            anchors += dated
    if not events:
        return None
    if anchors:
        limit = max(anchors) + timedelta(days=ISSUE_SPAN_DAYS)
        events = [d for d in events if d <= limit]
    return max(events)


def first_event_date(body: str, year: int | None, issue_date: date | None = None) -> date | None:
    """The first date of an event in an article body (event_dates). An undated year is the issue's; a
    date after the issue date is of the year before it (`12月18日` in a January page)."""
    first = next(event_dates(body, year), None)
    if first is None:
        return None
    if issue_date is not None and first > issue_date:
        first = _safe_date(first.year - 1, first.month, first.day) or first
    return first
