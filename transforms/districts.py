"""Finding Chongqing's districts and counties in text."""
from __future__ import annotations

import re
from functools import cache

from .lexicons import District, load_districts

# Short names that are also common words ("长寿老人", "河流南岸"): only their full names count.
AMBIGUOUS_SHORT_NAMES = {"长寿", "南岸", "江北"}


@cache
def _alias_table() -> tuple[re.Pattern, dict[str, tuple[District, int]]]:
    """Every written form of every district, mapped to (district, weight): full forms 2, bare short names 1."""
    aliases: dict[str, tuple[District, int]] = {}
    for d in load_districts():
        aliases[d.name] = (d, 2)
        aliases[d.short_name + ("区" if d.kind == "区" else "县")] = (d, 2)
        if d.short_name not in AMBIGUOUS_SHORT_NAMES and len(d.short_name) >= 2:
            aliases.setdefault(d.short_name, (d, 1))
    pattern = re.compile("|".join(sorted(map(re.escape, aliases), key=len, reverse=True)))
    return pattern, aliases


@cache
def _prefix_forms() -> dict[str, District]:
    return {form: d for d in load_districts() for form in (d.name, d.short_name, d.short_name + d.kind[-1])}


def by_code() -> dict[str, District]:
    return {d.code: d for d in load_districts()}


def find_districts(text: str) -> list[tuple[District, int, int]]:
    """(district, weight, position) for each mention, left to right."""
    pattern, aliases = _alias_table()
    return [(*aliases[m.group()], m.start()) for m in pattern.finditer(text or "")]


def prefix_district(title: str) -> District | None:
    """The district a brief's title names in its `XX：` prefix ("南川：关注…" -> 南川区). Before the colon even
    a short name that is also a common word is the district (`江北：…`)."""
    head, sep, _ = (title or "").partition("：")
    if not sep or len(head) > 12:
        return None
    if exact := _prefix_forms().get(head):
        return exact
    mentions = find_districts(head)
    return mentions[0][0] if mentions and mentions[0][2] == 0 else None


def first_district(text: str) -> District | None:
    mentions = find_districts(text)
    return mentions[0][0] if mentions else None


def main_district(text: str) -> District | None:
    """The district a text is about: most weighted mentions, the earliest on a tie."""
    scores: dict[str, list] = {}
    for district, weight, pos in find_districts(text):
        entry = scores.setdefault(district.code, [0, -pos, district])
        entry[0] += weight
    if not scores:
        return None
    return max(scores.values(), key=lambda e: (e[0], e[1]))[2]
