"""Runs of title lines and the headlines they hold: a main title alone, or with its kicker (引题 above it,
副题 below it)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from . import districts
from .lexicons import load_lexicon


@dataclass
class TitleRun:
    """Title lines printed one after another, and the items they stand between."""
    lines: list[str]
    first_item: int
    last_item: int


def _kicker_lead() -> str:
    return load_lexicon("layout")["kicker_lead"]


@dataclass
class HeadlineUnit:
    lines: list[str]
    first_item: int
    last_item: int

    @cached_property
    def district(self):
        for line in self.lines:
            d = districts.prefix_district(line)
            if d:
                return d
        return districts.first_district("".join(self.lines))

    @property
    def headline_and_kicker(self) -> tuple[str, str | None]:
        """With two lines, one is the main title and the other the kicker (引题 above or 副题 below it): the
        kicker is the line that opens with `——` (a 副题) or ends with it (a 引题); else the line naming the
        district. The `——` is dropped."""
        lead = _kicker_lead()
        if len(self.lines) == 1:
            return self.lines[0], None
        first, second = self.lines
        marked = [line.startswith(lead) or line.endswith(lead) for line in (first, second)]
        if marked[0] != marked[1]:
            main, kicker = (second, first) if marked[0] else (first, second)
        elif districts.find_districts(first) and not districts.find_districts(second):
            main, kicker = second, first
        else:
            main, kicker = first, second
        return main, kicker.removeprefix(lead).removesuffix(lead).strip()


def split_run(run: TitleRun) -> list[HeadlineUnit]:
    """A run of title lines -> headline units. A line opening with `——` is the 副题 of the line above it, one
    ending with `——` the 引题 of the line below it; `XX：` lines stand alone; other lines pair up, but two
    lines that both name a district are two headlines."""
    lead = _kicker_lead()
    units: list[HeadlineUnit] = []
    lines = run.lines
    i = 0
    while i < len(lines):
        line, nxt = lines[i], lines[i + 1] if i + 1 < len(lines) else None
        after_next = lines[i + 2] if i + 2 < len(lines) else ""
        if nxt is not None and ((nxt.startswith(lead) and not line.startswith(lead)) or line.endswith(lead)):
            take = 2
        elif (nxt is not None and not line.startswith(lead) and not nxt.endswith(lead) and not districts.prefix_district(line)
              and not districts.prefix_district(nxt) and not after_next.startswith(lead)
              and not (districts.find_districts(line) and districts.find_districts(nxt))):
            take = 2
        else:
            take = 1
        units.append(HeadlineUnit(lines[i:i + take], run.first_item + i, run.first_item + i + take - 1))
        i += take
    return units


