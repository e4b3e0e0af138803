"""Matching floating headlines to their stories.

Headlines on this page stand before, after or far from their story. Title runs are split into
headline units (one or two lines), then each unit goes to the story it fits best: same district,
shared words, and nearness on the page."""
from __future__ import annotations

from dataclasses import dataclass

from . import districts
from .segment import Draft, TitleRun
from .tokens import content_words, tokenize

MIN_MATCH_SCORE = 1.0


@dataclass
class HeadlineUnit:
    lines: list[str]
    first_item: int
    last_item: int

    @property
    def district(self):
        for line in self.lines:
            d = districts.prefix_district(line)
            if d:
                return d
        return districts.first_district("".join(self.lines))

    @property
    def headline_and_kicker(self) -> tuple[str, str | None]:
        """With two lines, the line naming the district is the kicker (引题/副题), the other the title."""
        if len(self.lines) == 1:
            return self.lines[0], None
        first, second = self.lines
        if districts.find_districts(first) and not districts.find_districts(second):
            return second, first
        return first, second


def split_run(run: TitleRun) -> list[HeadlineUnit]:
    """A run of title lines -> headline units. `XX：` lines stand alone; others pair up, but two lines
    that both name a district are two headlines."""
    units: list[HeadlineUnit] = []
    pos = run.first_item
    lines = run.lines
    i = 0
    while i < len(lines):
        line = lines[i]
        pair_ok = (i + 1 < len(lines) and not districts.prefix_district(line)
                   and not districts.prefix_district(lines[i + 1])
                   and not (districts.find_districts(line) and districts.find_districts(lines[i + 1])))
        take = 2 if pair_ok else 1
        units.append(HeadlineUnit(lines[i:i + take], pos + i, pos + i + take - 1))
        i += take
    return units


def match_score(unit: HeadlineUnit, unit_words: set[str], draft: Draft, draft_words: set[str],
                draft_district) -> float:
    score = 0.0
    unit_district = unit.district
    if unit_district and draft_district:
        score += 2.0 if unit_district.code == draft_district.code else -2.0
    if unit_words:
        score += 2.0 * len(unit_words & draft_words) / len(unit_words)
    if 0 <= unit.first_item - draft.last_item <= 2 or 0 <= draft.first_item - unit.last_item <= 3:
        score += 0.5
    return score


def assign_headlines(drafts: list[Draft], runs: list[TitleRun], words: list[set[str]]) -> None:
    """Set headline/kicker on drafts, best matches first. A photo takes only a title printed right above it
    (a titled photo story); `● 区名 ●` items take none."""
    units = [u for run in runs for u in split_run(run)]
    body_districts = [districts.main_district(d.body) for d in drafts]
    unit_words = [content_words(tokenize("".join(unit.lines))) for unit in units]
    pairs = []
    for ui, unit in enumerate(units):
        for di, draft in enumerate(drafts):
            if not draft.takes_headline or (draft.kind == "photo" and draft.first_item != unit.last_item + 1):
                continue
            score = match_score(unit, unit_words[ui], draft, words[di], body_districts[di])
            if score >= MIN_MATCH_SCORE:
                pairs.append((score, -abs(unit.first_item - draft.last_item), ui, di))
    used_units, used_drafts = set(), set()
    for _, _, ui, di in sorted(pairs, reverse=True):
        if ui in used_units or di in used_drafts:
            continue
        used_units.add(ui)
        used_drafts.add(di)
        drafts[di].headline, drafts[di].kicker = units[ui].headline_and_kicker
