"""Splitting a page's lines into articles.

The page text comes from a multi-column layout: headlines may stand after their story or far
from it, column labels float, briefs from another column interleave. The parser works in two
passes: `classify_lines` turns lines into layout items (labels, bylines, titles, paragraphs,
signatures, photo credits), then `assemble_articles` builds articles from the items and matches
the floating headlines to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from . import districts
from .lexicons import load_lexicon
from .text import CJK, compact, is_letter_spaced, join_lines, line_width, tidy_title

NAME = f"[{CJK}·]{{2,5}}"
MAX_TITLE_WIDTH = 34
WIDTH_SLACK = 3.5          # column widths within this many cells are the same column
FIRST_LINE_INDENT = 2      # a paragraph's first line lost its two-cell indent in extraction
SHORT_LINE_RATIO = 0.8     # a line this much narrower than the next is not a paragraph's first line


def _layout():
    return load_lexicon("layout")


@cache
def _role_pattern() -> re.Pattern:
    roles = sorted(_layout()["roles"], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, roles)))


def parse_byline(text: str, default_role: str = "authors") -> dict[str, list[str]]:
    """`本报记者 陈元洪 通讯员 刘朦濛` -> {"reporters": ["陈元洪"], "correspondents": ["刘朦濛"]}.

    Names are separated by spaces or 、; a name before any role word gets `default_role`."""
    roles = _layout()["roles"]
    out: dict[str, list[str]] = {}
    role = default_role
    pos = 0
    text = text.strip("□■ ")
    for m in _role_pattern().finditer(text):
        _add_names(out, role, text[pos:m.start()])
        role, pos = roles[m.group()], m.end()
    _add_names(out, role, text[pos:])
    return out


def _add_names(out: dict[str, list[str]], role: str, chunk: str) -> None:
    for name in re.split(r"[\s、，,/]+", chunk):
        name = name.strip("（）()：:")
        if re.fullmatch(NAME, name):
            out.setdefault(role, []).append(name)


# ---------------------------------------------------------------- line classification

@dataclass
class Item:
    kind: str                 # label | feature_start | news_start | title | para | signature | credit
    text: str = ""            # title text, label name, or paragraph running text
    width: float | None = None  # paragraph: its column width (None when it has a single line)
    byline: dict = field(default_factory=dict)
    lines: int = 0


@cache
def _column_patterns() -> list[tuple[str, re.Pattern]]:
    return [(label, re.compile(f"(?:{re.escape(label)})+")) for label in _layout()["columns"]]


def column_label(flat: str) -> str | None:
    """A column label, also when the logo is printed twice (`渝事好商量渝事好商量`)."""
    for label, pattern in _column_patterns():
        if pattern.fullmatch(flat):
            return label
    return None


def _terminal(flat: str) -> bool:
    layout = _layout()
    flat = flat.rstrip(layout["closing_marks"])
    return bool(flat) and flat[-1] in layout["terminal_punctuation"]


def split_signature(line: str) -> tuple[str, dict] | None:
    """`…走深走实。 （张若澜）` -> ("…走深走实。", {"authors": ["张若澜"]}); None if the line has no signature."""
    m = re.search(r"(^|[\s。！？”…])（([^（）]{2,24})）\s*$", line)
    if not m:
        return None
    inner = m.group(2).strip()
    if inner in _layout()["not_signatures"] or not re.fullmatch(rf"[{CJK}·\s、]+", inner):
        return None
    names = parse_byline(inner)
    if not names or sum(map(len, names.values())) > 4:
        return None
    return line[: m.start(2) - 1].rstrip(), names


@cache
def _credit_pattern() -> re.Pattern:
    return re.compile(rf"(^|[。！？”…]\s*)((?:{_role_pattern().pattern})?\s*{NAME}(?:\s+{NAME})*)\s*摄(?:影)?$")


def split_credit(line: str) -> tuple[str, dict] | None:
    """`杨灿 摄` or `…建设。 本报记者 杨灿 摄` -> (text before, {"photographers": [...]})."""
    if "摄" not in line:
        return None
    m = _credit_pattern().search(line)
    if not m:
        return None
    names = parse_byline(m.group(2), default_role="photographers")
    photographers = [n for ns in names.values() for n in ns]
    if not photographers:
        return None
    return line[: m.start(2)].rstrip(), {"photographers": photographers}


def is_district_title(flat: str) -> bool:
    return districts.prefix_district(flat) is not None and len(flat) <= MAX_TITLE_WIDTH


def _marker(flat: str, raw: str) -> str | None:
    if column_label(flat):
        return "label"
    if flat[:1] in "□■":
        return "feature_start"
    if flat.startswith("本报讯"):
        return "news_start"
    credit = split_credit(raw)
    if credit and not credit[0]:
        return "credit"
    signature = split_signature(raw)
    if signature and not signature[0]:
        return "signature"
    return None


def _title_like(raw: str, flat: str) -> bool:
    return (0 < line_width(raw) <= MAX_TITLE_WIDTH and not _terminal(flat) and "。" not in flat
            and not is_letter_spaced(raw))


def is_title(lines: list[str], i: int) -> bool:
    """Is line i (which follows a paragraph end or another title) a title rather than a paragraph's first line?

    A paragraph's first line is as wide as its column; a title is narrower or wider than what follows,
    is followed by a marker, or opens with a district prefix (`南川：`)."""
    raw, flat = lines[i], compact(lines[i])
    if not _title_like(raw, flat):
        return False
    if is_district_title(flat) or i + 1 == len(lines):
        return True
    nxt_raw = lines[i + 1]
    nxt = compact(nxt_raw)
    if _marker(nxt, nxt_raw):
        return True
    if is_letter_spaced(nxt_raw):
        return False
    width, next_width = line_width(raw), line_width(nxt_raw)
    if not _terminal(nxt) and i + 2 < len(lines) and not _marker(compact(lines[i + 2]), lines[i + 2]):
        next_width = max(next_width, line_width(lines[i + 2]))   # the next paragraph's first line is indented
    if width + FIRST_LINE_INDENT < SHORT_LINE_RATIO * next_width:
        return True
    if width > next_width + WIDTH_SLACK and not _terminal(nxt):
        return True
    return is_district_title(nxt)


def split_header(lines: list[str]) -> tuple[str | None, str | None, int]:
    """(section, theme, index of the first content line) from the page header."""
    section = theme = None
    i = 0
    if lines and compact(lines[0]) in _layout()["sections"]:
        section, i = compact(lines[0]), 1
        if (i < len(lines) and _title_like(lines[i], compact(lines[i])) and not _marker(compact(lines[i]), lines[i])
                and not districts.find_districts(compact(lines[i])) and "：" not in lines[i]):
            theme, i = tidy_title(lines[i]), i + 1
    return section, theme, i


def classify_lines(lines: list[str]) -> list[Item]:
    """Layout items in reading order. `lines` are the page's content lines (header removed)."""
    items: list[Item] = []
    para: list[str] = []          # raw lines of the open paragraph
    para_text: list[str] = []     # their text (a news start line without its byline)

    def close_para(end: str | None = None, names: dict | None = None, interrupted: bool = False):
        if interrupted and _stacked_titles(para):
            items.extend(Item("title", tidy_title(r)) for r in para)
            para.clear()
            para_text.clear()
        if para:
            # A justified, letter-spaced line fills its column whatever its character count: no evidence.
            widths = [line_width(r) for r in para[:-1] if not is_letter_spaced(r)]
            width = max(widths) if widths else None
            items.append(Item("para", join_lines(para_text), width, lines=len(para)))
            para.clear()
            para_text.clear()
        if end:
            items.append(Item(end, byline=names or {}))

    i = 0
    while i < len(lines):
        raw = lines[i]
        flat = compact(raw)
        marker = _marker(flat, raw)
        if marker:
            close_para(interrupted=True)
        if marker == "label":
            items.append(Item("label", column_label(flat)))
        elif marker == "feature_start":
            close_para()
            items.append(Item("feature_start", byline=parse_byline(raw.lstrip("□■ "), default_role="reporters")))
        elif marker == "news_start":
            close_para()
            byline, rest, used = _news_byline(lines, i)
            items.append(Item("news_start", byline=byline))
            i += used - 1
            if rest:
                para.append(lines[i])
                para_text.append(rest)
                if _terminal(compact(rest)):
                    close_para()
        elif marker in ("credit", "signature"):
            split = split_credit(raw) if marker == "credit" else split_signature(raw)
            close_para(marker, split[1])
        elif not para and is_title(lines, i):
            items.append(Item("title", tidy_title(raw)))
        else:
            signature, credit = split_signature(raw), split_credit(raw)
            if signature or credit:
                text, names = signature or credit
                para.append(raw)
                para_text.append(text)
                close_para("signature" if signature else "credit", names)
            else:
                para.append(raw)
                para_text.append(raw)
                if _terminal(flat):
                    close_para()
        i += 1
    close_para(interrupted=True)
    return items


def _stacked_titles(raw_lines: list[str]) -> bool:
    """An unfinished 'paragraph' cut off by a marker that is really a title of one to three lines."""
    return 0 < len(raw_lines) <= 3 and all(_title_like(r, compact(r)) and "，" not in r for r in raw_lines)


def _news_byline(lines: list[str], i: int) -> tuple[dict, str, int]:
    """Byline of a `本报讯（记者 … 通讯员 …）` start, which may wrap over lines ("向" + "可").

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


# ---------------------------------------------------------------- article assembly

@dataclass
class Draft:
    start_kind: str | None = None             # feature_start | news_start | None
    byline: dict = field(default_factory=dict)
    paragraphs: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    subheads: list[str] = field(default_factory=list)
    end: str | None = None                    # signature | credit | None
    first_item: int = 0
    last_item: int = 0
    column_name: str | None = None
    headline: str | None = None
    kicker: str | None = None

    @property
    def closed(self) -> bool:
        return self.end is not None

    @property
    def width(self) -> float | None:
        return max(self.widths) if self.widths else None

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def kind(self) -> str:
        if self.start_kind == "feature_start":
            return "feature"
        if self.end == "credit":
            return "photo"
        if self.end == "signature":
            return "brief"
        return "news"

    def fits(self, width: float | None) -> bool:
        return width is None or self.width is None or abs(width - self.width) <= WIDTH_SLACK


@dataclass
class TitleRun:
    lines: list[str]
    first_item: int
    last_item: int


def assemble_articles(items: list[Item]) -> tuple[list[Draft], list[TitleRun]]:
    """Articles in reading order, and the runs of titles that are headlines (not subheads)."""
    drafts: list[Draft] = []
    runs: list[TitleRun] = []
    pending: list[tuple[str, int]] = []       # titles waiting to be read as subhead or headline
    labels: list[tuple[str, int]] = []
    current: Draft | None = None
    new_item_next = False   # headlines or a label just passed: the next paragraph starts an item

    def flush_titles():
        nonlocal new_item_next
        if pending:
            runs.append(TitleRun([t for t, _ in pending], pending[0][1], pending[-1][1]))
            pending.clear()
            new_item_next = True

    for n, item in enumerate(items):
        if item.kind == "title":
            pending.append((item.text, n))
            continue
        if item.kind == "label":
            flush_titles()
            labels.append((item.text, n))
            new_item_next = True      # a label heads a new item: what follows resumes nothing
            continue
        if item.kind in ("feature_start", "news_start"):
            flush_titles()
            current = Draft(item.kind, item.byline, first_item=n, last_item=n)
            drafts.append(current)
            new_item_next = False
            continue
        if item.kind in ("signature", "credit"):
            flush_titles()
            if current is None or current.closed:
                current = Draft(first_item=n)
                drafts.append(current)
            current.end, current.last_item = item.kind, n
            for role, names in item.byline.items():
                current.byline.setdefault(role, []).extend(names)
            continue
        # a paragraph
        if (len(pending) == 1 and current is not None and current.kind == "feature" and not current.closed
                and current.fits(item.width) and not is_district_title(pending[0][0])):
            current.subheads.append(pending.pop()[0])
        flush_titles()
        target = current
        if target is None or target.closed or not target.fits(item.width) or (new_item_next and target.width is None):
            target = _resumable(drafts, item.width) if not new_item_next else None
            if target is None:
                target = Draft(first_item=n)
                drafts.append(target)
        target.paragraphs.append(item.text)
        if item.width is not None:
            target.widths.append(item.width)
        target.last_item = n
        current = target
        new_item_next = False
    flush_titles()
    drafts = [d for d in drafts if d.body.strip()]
    _assign_columns(drafts, labels)
    return drafts, runs


def _resumable(drafts: list[Draft], width: float | None) -> Draft | None:
    """An open story of the same column width that another column's item interrupted."""
    if width is None:
        return None
    for draft in reversed(drafts[:-1]):
        if not draft.closed and draft.width is not None and draft.fits(width):
            return draft
    return None


def _assign_columns(drafts: list[Draft], labels: list[tuple[str, int]]) -> None:
    """A label with a kind gathers every item of that kind on the page; others head the next item."""
    columns = _layout()["columns"]
    for label, pos in labels:
        kind = columns[label]
        if kind:
            for d in drafts:
                if d.kind == kind and d.column_name is None:
                    d.column_name = label
        else:
            following = [d for d in drafts if d.first_item > pos and d.column_name is None]
            if following:
                following[0].column_name = label
