"""Matching floating headlines to their stories.

Headlines on this page stand before, after or far from their story. Title runs are split into
headline units (one or two lines), then each unit goes to the story it fits best: same district,
shared words, and nearness on the page."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property

from . import districts
from .assembly import ArticleKind, Draft, TitleRun
from .lexicons import load_lexicon
from .tokens import content_words, tokenize

REACH = 30          # stories either side of a headline it may belong to


def _kicker_lead() -> str:
    return load_lexicon("layout")["kicker_lead"]


def _weights() -> dict:
    return load_lexicon("layout")["headline_match"]


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
        kicker is the line that opens with `——`, else the line naming the district. The `——` is dropped."""
        lead = _kicker_lead()
        if len(self.lines) == 1:
            return self.lines[0], None
        first, second = self.lines
        if first.startswith(lead) and not second.startswith(lead):
            first, second = second, first
        elif not second.startswith(lead) and districts.find_districts(first) and not districts.find_districts(second):
            first, second = second, first
        return first, second.removeprefix(lead).strip()


def split_run(run: TitleRun) -> list[HeadlineUnit]:
    """A run of title lines -> headline units. A `——` line is the 副题 of the line above it; `XX：` lines
    stand alone; other lines pair up, but two lines that both name a district are two headlines."""
    lead = _kicker_lead()
    units: list[HeadlineUnit] = []
    lines = run.lines
    i = 0
    while i < len(lines):
        line, nxt = lines[i], lines[i + 1] if i + 1 < len(lines) else None
        after_next = lines[i + 2] if i + 2 < len(lines) else ""
        if nxt is not None and nxt.startswith(lead) and not line.startswith(lead):
            take = 2
        elif (nxt is not None and not line.startswith(lead) and not districts.prefix_district(line)
              and not districts.prefix_district(nxt) and not after_next.startswith(lead)
              and not (districts.find_districts(line) and districts.find_districts(nxt))):
            take = 2
        else:
            take = 1
        units.append(HeadlineUnit(lines[i:i + take], run.first_item + i, run.first_item + i + take - 1))
        i += take
    return units


def match_score(unit: HeadlineUnit, unit_words: set[str], draft: Draft, draft_words: set[str],
                draft_district) -> float:
    weights = _weights()
    score = 0.0
    unit_district = unit.district
    if unit_district and draft_district:
        score += weights["same_district" if unit_district.code == draft_district.code else "other_district"]
    if unit_words:
        score += weights["shared_words"] * len(unit_words & draft_words) / len(unit_words)
    if 0 <= unit.first_item - draft.last_item <= 2 or 0 <= draft.first_item - unit.last_item <= 3:
        score += weights["adjacent"]
    return score


def assign_headlines(drafts: list[Draft], runs: list[TitleRun], words: list[set[str]]) -> None:
    """Set headline/kicker on drafts, best matches first. A photo takes only a title printed right above it
    (a titled photo story); `● 区名 ●` items take none. A headline goes to one of the REACH stories printed
    before or after it (a page has far fewer; the bound keeps a huge text linear)."""
    units = [u for run in runs for u in split_run(run)]
    body_districts = [districts.main_district(d.body) for d in drafts]
    unit_words = [content_words(tokenize("".join(unit.lines))) for unit in units]
    starts = [d.first_item for d in drafts]
    photos = [d.kind is ArticleKind.PHOTO for d in drafts]
    pairs = []
    for ui, unit in enumerate(units):
        here = bisect.bisect_left(starts, unit.first_item)
        for di in range(max(0, here - REACH), min(len(drafts), here + REACH)):
            draft = drafts[di]
            if not draft.takes_headline or (photos[di] and draft.first_item != unit.last_item + 1):
                continue
            score = match_score(unit, unit_words[ui], draft, words[di], body_districts[di])
            if score >= _weights()["minimum"]:
                pairs.append((score, -abs(unit.first_item - draft.last_item), ui, di))
    used_units, used_drafts = set(), set()
    for _, _, ui, di in sorted(pairs, reverse=True):
        if ui in used_units or di in used_drafts:
            continue
        used_units.add(ui)
        used_drafts.add(di)
        drafts[di].headline, drafts[di].kicker = units[ui].headline_and_kicker
