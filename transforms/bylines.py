"""Bylines, signatures and photo credits: who wrote, reported or photographed an item.

`本报记者 陈元洪 通讯员 刘朦濛` opens a story, `（张若澜）` signs a brief, `杨灿 摄` credits a photo. The role
words and credit words come from lexicons/layout.yaml."""
from __future__ import annotations

import re
from functools import cache

from .lexicons import load_lexicon
from .text import CJK, compact

NAME = f"[{CJK}·]{{2,5}}"
MAX_SIGNATURE_NAMES = 6

Byline = dict[str, list[str]]       # byline column (reporters, correspondents, authors, photographers) -> names


def _layout():
    return load_lexicon("layout")


@cache
def _role_pattern() -> re.Pattern:
    roles = sorted(_layout()["roles"], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, roles)))


@cache
def role_words() -> tuple[str, ...]:
    return tuple(_layout()["roles"])


def parse_byline(text: str, default_role: str = "authors") -> Byline:
    """`本报记者 陈元洪 通讯员 刘朦濛` -> {"reporters": ["陈元洪"], "correspondents": ["刘朦濛"]}.

    Names are separated by spaces or 、; a name before any role word gets `default_role`. Letter-spaced
    names are joined: `贺 敏` -> 贺敏, `熊 波 夏朝燕` -> 熊波, 夏朝燕. `文博/文 凌强/图` gives the roles
    written after the slash."""
    roles = _layout()["roles"]
    out: Byline = {}
    role = default_role
    pos = 0
    text = text.strip("□ ")
    for m in _role_pattern().finditer(text):
        _add_names(out, role, text[pos:m.start()])
        role, pos = roles[m.group()], m.end()
    _add_names(out, role, text[pos:])
    return out


def _add_names(out: Byline, role: str, chunk: str) -> None:
    slash_roles = _layout()["slash_roles"]
    tokens = [t.strip("（）()：:") for t in re.split(r"[\s、，,]+", chunk)]
    for name in _join_letter_spaced([t for t in tokens if t]):
        name_role = role
        if "/" in name:
            name, _, suffix = name.partition("/")
            name_role = slash_roles.get(suffix, role)
        if re.fullmatch(NAME, name):
            out.setdefault(name_role, []).append(name)


def _join_letter_spaced(tokens: list[str]) -> list[str]:
    """Single characters next to each other are one letter-spaced name (2 or 3 characters)."""
    out, singles = [], []
    for token in tokens + [""]:
        if len(token) == 1:
            singles.append(token)
            continue
        while singles:
            take = 3 if len(singles) in (3, 5) else 2
            out.append("".join(singles[:take]))
            singles = singles[take:]
        if token:
            out.append(token)
    return out


def byline_only(raw: str) -> Byline | None:
    """A line that is only a byline: `□ 本报记者 X`, `□ 李海岚`, `通讯员 彭诗悦 贺 敏`, `见习记者 X` — role
    words and names and nothing else. None for any other line (`记者：…` in an interview is text)."""
    text = raw.strip()
    boxed = text.startswith("□")
    text = text.lstrip("□ ")
    if not boxed and not text.startswith(role_words()):
        return None
    if not text or re.search(r"[，。：:；！？“”《》\d]", text):
        return None
    if not boxed and not re.match(rf"(?:{_role_pattern().pattern})\s", text):
        return None
    byline = parse_byline(text, default_role="authors")
    leftover = _role_pattern().sub(" ", text)
    names = [n for ns in byline.values() for n in ns]
    if not names or len("".join(names)) < len(re.sub(r"[\s/文图]", "", leftover)) - 1:
        return None
    return byline


def split_signature(line: str) -> tuple[str, Byline] | None:
    """`…走深走实。 （张若澜）` -> ("…走深走实。", {"authors": ["张若澜"]}); None if the line has no signature.
    Names may be letter-spaced (`（刘 宁）`) or carry roles (`（记者 黄笛森 见习记者 程颖）`)."""
    if not line.rstrip().endswith("）"):
        return None
    m = re.search(r"(^|[\s。！？”…])（([^（）]{2,40})）\s*$", line)
    if not m:
        return None
    inner = m.group(2).strip()
    if compact(inner) in _layout()["not_signatures"] or not re.fullmatch(rf"[{CJK}·\s、]+", inner):
        return None
    names = parse_byline(inner)
    count = sum(map(len, names.values()))
    if not count or count > MAX_SIGNATURE_NAMES or len(compact(inner)) > 5 * count + 6:
        return None
    return line[: m.start(2) - 1].rstrip(), names


@cache
def _credit_pattern() -> re.Pattern:
    words = "|".join(map(re.escape, sorted(_layout()["credit_words"], key=len, reverse=True)))
    return re.compile(rf"(^|[。！？”…]\s*)((?:{_role_pattern().pattern})?\s*{NAME}(?:\s+{NAME})*)\s*(?:{words})$")


@cache
def _slash_credit_pattern() -> re.Pattern:
    suffixes = "|".join(map(re.escape, _layout()["slash_roles"]))
    return re.compile(rf"(^|[。！？”…]\s*)({NAME}\s*/\s*(?:{suffixes})(?:\s+{NAME}\s*/\s*(?:{suffixes}))+)$")


def split_credit(line: str) -> tuple[str, Byline] | None:
    """`杨灿 摄`, `王京华 摄影报道`, `…建设。 本报记者 杨灿 摄`, `文博/文 凌强/图` -> (text before, names)."""
    line = line.rstrip()
    m = _slash_credit_pattern().search(line) if "/" in line else None
    if m:
        names = parse_byline(re.sub(r"\s*/\s*", "/", m.group(2)))
        return (line[: m.start(2)].rstrip(), names) if names else None
    if not any(w in line[-6:] for w in _layout()["credit_words"]):
        return None
    m = _credit_pattern().search(line)
    if not m:
        return None
    names = parse_byline(m.group(2), default_role="photographers")
    photographers = [n for ns in names.values() for n in ns]
    if not photographers:
        return None
    return line[: m.start(2)].rstrip(), {"photographers": photographers}


def news_byline(lines: list[str], i: int) -> tuple[Byline, str, int]:
    """Byline of a `本报讯（记者 … 通讯员 …）` start at line i, which may wrap over lines ("向" + "可").

    Returns (byline, text after it on its last line, number of lines used)."""
    head = lines[i][lines[i].find("本报讯") + 3:].lstrip()
    if not head.startswith(("（", "(")):
        return {}, compact(head), 1
    joined, used = head[1:], 1
    # Lines are joined without a space: a name cut by the line end is one name again.
    while "）" not in joined and used < 4 and i + used < len(lines):
        joined += lines[i + used]
        used += 1
    inner, _, rest = joined.partition("）")
    return parse_byline(inner, default_role="reporters"), compact(rest), used
