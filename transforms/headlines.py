"""Matching floating headlines to their stories.

Headlines on this page stand before, after or far from their story. Title runs are split into
headline units (one or two lines, titles.py), then each unit goes to the story it fits best: same
district, shared words, and nearness on the page."""
from __future__ import annotations

import bisect

from . import districts
from .assembly import ArticleKind, Draft
from .lexicons import load_lexicon
from .titles import HeadlineUnit, TitleRun, split_run
from .tokens import content_words, tokenize

REACH = 30          # stories either side of a headline it may belong to


def _weights() -> dict:
    return load_lexicon("layout")["headline_match"]


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
    owner: dict[int, int] = {}                     # unit -> draft
    for _, _, ui, di in sorted(pairs, reverse=True):
        if ui in owner or di in owner.values():
            continue
        owner[ui] = di
        drafts[di].headline, drafts[di].kicker = units[ui].headline_and_kicker
    _leftover_kickers(units, owner, drafts)


def _leftover_kickers(units: list[HeadlineUnit], owner: dict[int, int], drafts: list[Draft]) -> None:
    """A one-line unit no story took, printed right below or above a headline that has no kicker, is that
    headline's kicker (`梁平：…` over a plain line)."""
    lead = load_lexicon("layout")["kicker_lead"]
    for ui, unit in enumerate(units):
        if ui in owner or len(unit.lines) != 1:
            continue
        for near in (ui - 1, ui + 1):
            if near in owner and 0 <= near < len(units) and drafts[owner[near]].kicker is None and (
                    units[near].last_item + 1 == unit.first_item or unit.last_item + 1 == units[near].first_item):
                drafts[owner[near]].kicker = unit.lines[0].removeprefix(lead).removesuffix(lead).strip()
                owner[ui] = owner[near]
                break
