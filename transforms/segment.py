"""Splitting a page's lines into articles.

The page text comes from a multi-column layout: headlines stand before, after or far from their story,
column labels float, briefs from another column interleave and even sit inside a longer story. The parser
works in two passes: `classify_lines` turns lines into layout items (labels, bylines, titles, paragraphs,
signatures, photo credits), then `assemble_articles` builds articles from the items; headlines.py then
matches the floating titles to them.

Titles are told from paragraphs by the layout: a paragraph's lines fill its column, so a line is a title
when it is clearly narrower (or wider) than the body text around it, when the next line is a byline or
another marker, or when it opens with a district prefix (`南川：`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from . import districts
from .lexicons import load_lexicon
from .text import CJK, compact, is_letter_spaced, join_lines, line_width, tidy_title

NAME = f"[{CJK}·]{{2,5}}"
MAX_TITLE_WIDTH = 34
MAX_SIGNATURE_NAMES = 6
WIDTH_SLACK = 3.5          # column widths within this many cells are the same column
FIRST_LINE_INDENT = 2      # a paragraph's first line lost its two-cell indent in extraction
SHORT_LINE_RATIO = 0.8     # a line this much narrower than the body text around it is a title
BODY_LOOKAHEAD = 8         # how far to look for the body text a title stands beside
SENTENCE_MARKS = "，。；、"


def _layout():
    return load_lexicon("layout")


# ---------------------------------------------------------------- bylines

@cache
def _role_pattern() -> re.Pattern:
    roles = sorted(_layout()["roles"], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, roles)))


def parse_byline(text: str, default_role: str = "authors") -> dict[str, list[str]]:
    """`本报记者 陈元洪 通讯员 刘朦濛` -> {"reporters": ["陈元洪"], "correspondents": ["刘朦濛"]}.

    Names are separated by spaces or 、; a name before any role word gets `default_role`. Letter-spaced
    names are joined: `贺 敏` -> 贺敏, `熊 波 夏朝燕` -> 熊波, 夏朝燕. `文博/文 凌强/图` gives the roles
    written after the slash."""
    roles = _layout()["roles"]
    out: dict[str, list[str]] = {}
    role = default_role
    pos = 0
    text = text.strip("□ ")
    for m in _role_pattern().finditer(text):
        _add_names(out, role, text[pos:m.start()])
        role, pos = roles[m.group()], m.end()
    _add_names(out, role, text[pos:])
    return out


def _add_names(out: dict[str, list[str]], role: str, chunk: str) -> None:
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


def byline_only(raw: str) -> dict | None:
    """A line that is only a byline: `□ 本报记者 X`, `□ 李海岚`, `通讯员 彭诗悦 贺 敏`, `见习记者 X` — role
    words and names and nothing else. None for any other line (`记者：…` in an interview is text)."""
    text = raw.strip()
    boxed = text.startswith("□")
    text = text.lstrip("□ ")
    if not boxed and not text.startswith(_role_words()):
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


# ---------------------------------------------------------------- line markers

def _terminal(flat: str) -> bool:
    layout = _layout()
    flat = flat.rstrip(layout["closing_marks"])
    return bool(flat) and flat[-1] in layout["terminal_punctuation"]


@cache
def _role_words() -> tuple[str, ...]:
    return tuple(_layout()["roles"])


@cache
def _column_forms() -> dict[str, str]:
    """Each label as printed once, or as a logo printed two or three times (`渝事好商量渝事好商量`)."""
    return {label * n: label for label in _layout()["columns"] for n in (1, 2, 3)}


def column_label(flat: str) -> str | None:
    return _column_forms().get(flat)


def item_district(flat: str):
    """`●彭水县●` -> the district that labels the items below it."""
    marks = _layout()["item_marks"]
    if not flat or flat[0] not in marks or flat[-1] not in marks or not 4 <= len(flat) <= 14:
        return None
    return districts.first_district(flat[1:-1])


def split_signature(line: str) -> tuple[str, dict] | None:
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


def split_credit(line: str) -> tuple[str, dict] | None:
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


def is_district_title(flat: str) -> bool:
    return districts.prefix_district(flat) is not None and len(flat) <= MAX_TITLE_WIDTH


@dataclass
class Line:
    raw: str
    flat: str
    width: float
    terminal: bool
    marker: str | None         # label | district_item | byline | news_start | credit | signature | bullet | None
    byline: dict | None = None

    @property
    def title_like(self) -> bool:
        """Could be a title: not ending a sentence, no sentence marks inside, not a justified text line."""
        if self.marker or is_letter_spaced(self.raw):
            return False
        if self.flat.startswith(_layout()["kicker_lead"]):
            return True
        return (0 < self.width <= MAX_TITLE_WIDTH and not self.terminal
                and not any(ch in self.flat for ch in "，。；"))

    @property
    def body_like(self) -> bool:
        """A line of running text that fills its column: sentence marks inside, the sentence goes on."""
        return (not self.marker and not self.terminal and not is_letter_spaced(self.raw)
                and any(ch in self.flat for ch in SENTENCE_MARKS))


def read_line(raw: str) -> Line:
    flat = compact(raw)
    line = Line(raw, flat, line_width(raw), _terminal(flat), None)
    if column_label(flat):
        line.marker = "label"
    elif item_district(flat):
        line.marker = "district_item"
    elif flat.startswith("本报讯"):
        line.marker = "news_start"
    elif flat[:1] in _layout()["list_bullets"]:
        line.marker = "bullet"
    elif (credit := split_credit(raw)) and not credit[0]:
        line.marker, line.byline = "credit", credit[1]
    elif (byline := byline_only(raw)) is not None:
        line.marker, line.byline = "byline", byline
    elif (signature := split_signature(raw)) and not signature[0]:
        line.marker, line.byline = "signature", signature[1]
    return line


# ---------------------------------------------------------------- line classification

@dataclass
class Item:
    kind: str                 # label | district_item | feature_start | news_start | title | para | signature | credit
    text: str = ""            # title text, label name, or paragraph running text
    width: float | None = None  # paragraph: its column width (None when it has a single line)
    byline: dict = field(default_factory=dict)
    lines: int = 0
    district: object = None   # district_item: the district its label names


def is_title(lines: list[Line], i: int, previous_body: float | None) -> bool:
    """Is line i (which does not continue a paragraph) a title rather than a paragraph's first line?"""
    line = lines[i]
    if not line.title_like:
        return False
    if line.flat.startswith(_layout()["kicker_lead"]) or is_district_title(line.flat) or i + 1 == len(lines):
        return True
    nxt = lines[i + 1]
    if nxt.marker and nxt.marker != "bullet":
        return True
    # Two lines of a paragraph are as wide as each other, unless the second ends it.
    if nxt.title_like and not nxt.terminal and nxt.width + WIDTH_SLACK < line.width:
        return True
    body = _body_width(lines, i) or previous_body
    if body is None:
        if nxt.terminal:            # a paragraph of two lines: the second, shorter one ends it
            return False
        body = nxt.width
    return line.width + FIRST_LINE_INDENT < SHORT_LINE_RATIO * body or line.width > body + WIDTH_SLACK


def _body_width(lines: list[Line], i: int) -> float | None:
    """The width of the running text that follows line i, before any marker."""
    for line in lines[i + 1:i + 1 + BODY_LOOKAHEAD]:
        if line.marker:
            return None
        if line.body_like:
            return line.width
    return None


def split_header(lines: list[str]) -> tuple[str | None, str | None, int]:
    """(section, theme, index of the first content line) from the page header.

    The banner (theme) is the line after the section, unless it is a column label or a marker, names a
    district, or is the title of the first story, followed by its 副题 (`——…`)."""
    section = theme = None
    i = 0
    if lines and compact(lines[0]) in _layout()["sections"]:
        section, i = compact(lines[0]), 1
        if i < len(lines) and _is_banner(lines, i):
            theme, i = tidy_title(lines[i]), i + 1
    return section, theme, i


def _is_banner(lines: list[str], i: int) -> bool:
    line = read_line(lines[i])
    if not line.title_like or line.flat.startswith(_layout()["kicker_lead"]):
        return False
    if districts.find_districts(line.flat) or "：" in line.flat:
        return False
    return i + 1 == len(lines) or not compact(lines[i + 1]).startswith(_layout()["kicker_lead"])


def classify_lines(raw_lines: list[str]) -> list[Item]:
    """Layout items in reading order. `raw_lines` are the page's content lines (header removed)."""
    lines = [read_line(r) for r in raw_lines]
    items: list[Item] = []
    para: list[Line] = []         # lines of the open paragraph
    para_text: list[str] = []     # their text (a news start line without its byline)
    previous_body: float | None = None

    def close_para(end: str | None = None, names: dict | None = None, interrupted: bool = False):
        nonlocal previous_body
        if interrupted and _stacked_titles(para):
            items.extend(Item("title", tidy_title(line.raw)) for line in para)
            para.clear()
            para_text.clear()
        if para:
            # A justified, letter-spaced line fills its column whatever its character count: no evidence.
            widths = [line.width for line in para[:-1] if not is_letter_spaced(line.raw)]
            width = max(widths) if widths else None
            items.append(Item("para", join_lines(para_text), width, lines=len(para)))
            previous_body = width or previous_body
            para.clear()
            para_text.clear()
        if end:
            items.append(Item(end, byline=names or {}))

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.marker and line.marker != "bullet":
            close_para(interrupted=True)
        if line.marker == "label":
            items.append(Item("label", column_label(line.flat)))
        elif line.marker == "district_item":
            items.append(Item("district_item", line.flat, district=item_district(line.flat)))
        elif line.marker == "byline":
            items.append(Item("feature_start", byline=line.byline))
        elif line.marker == "news_start":
            byline, rest, used = _news_byline(raw_lines, i)
            items.append(Item("news_start", byline=byline))
            i += used - 1
            if rest:
                para.append(lines[i])
                para_text.append(rest)
                if _terminal(compact(rest)):
                    close_para()
        elif line.marker in ("credit", "signature"):
            items.append(Item(line.marker, byline=line.byline))
        elif line.marker == "bullet":      # a list line is a paragraph of its own
            close_para()
            para.append(line)
            para_text.append(line.raw.lstrip(_layout()["list_bullets"] + " "))
            close_para()
        elif not para and is_title(lines, i, previous_body):
            items.append(Item("title", tidy_title(line.raw)))
        else:
            signature, credit = split_signature(line.raw), split_credit(line.raw)
            if signature or credit:
                text, names = signature or credit
                para.append(line)
                para_text.append(text)
                close_para("signature" if signature else "credit", names)
            else:
                para.append(line)
                para_text.append(line.raw)
                if line.terminal:
                    close_para()
        i += 1
    close_para(interrupted=True)
    return items


def _stacked_titles(para: list[Line]) -> bool:
    """An unfinished 'paragraph' cut off by a marker that is really a stack of titles (up to two headlines)."""
    return 0 < len(para) <= 4 and all(line.title_like for line in para)


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
    start_kind: str | None = None             # feature_start | news_start | district_item | None
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
    district: object = None                   # named by a `● 区名 ●` label, or taken from a neighbour

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
        if self.end == "signature" or self.start_kind == "district_item":
            return "brief"
        return "news"

    @property
    def takes_headline(self) -> bool:
        return self.start_kind != "district_item"

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

    def start(draft: Draft) -> Draft:
        nonlocal current, new_item_next
        flush_titles()
        drafts.append(draft)
        current, new_item_next = draft, False
        return draft

    for n, item in enumerate(items):
        if item.kind == "title":
            pending.append((item.text, n))
        elif item.kind == "label":
            flush_titles()
            labels.append((item.text, n))
            new_item_next = True      # a label heads a new item: what follows resumes nothing
        elif item.kind in ("feature_start", "news_start"):
            start(Draft(item.kind, dict(item.byline), first_item=n, last_item=n))
        elif item.kind == "district_item":
            start(Draft(item.kind, first_item=n, last_item=n, district=item.district))
        elif item.kind in ("signature", "credit"):
            flush_titles()
            if current is None or current.closed or not current.paragraphs:
                current = start(Draft(first_item=n))
            elif item.kind == "credit" and current.start_kind in ("feature_start", "news_start") \
                    and len(current.paragraphs) > 1:
                current = _split_caption(drafts, current, n)
            current.end, current.last_item = item.kind, n
            for role, names in item.byline.items():
                current.byline.setdefault(role, []).extend(names)
        else:
            target = _subhead_owner(pending, current, drafts, items, n)
            if target is not None:
                target.subheads.append(pending.pop()[0])
            else:
                flush_titles()
                target = current
                if target is None or target.closed or not target.fits(item.width) or new_item_next:
                    # a caption (text closed by a photo credit) is an item of its own, never a story resumed
                    resume = not new_item_next and _closing_item(items, n) != "credit"
                    target = _resumable(drafts, item.width) if resume else None
                    if target is None:
                        target = start(Draft(first_item=n))
            target.paragraphs.append(item.text)
            if item.width is not None:
                target.widths.append(item.width)
            target.last_item = n
            current = target
            new_item_next = False
    flush_titles()
    drafts = [d for d in drafts if d.body.strip()]
    _assign_columns(drafts, labels)
    _lend_districts(drafts)
    return drafts, runs


def _subhead_owner(pending, current: Draft | None, drafts: list[Draft], items: list[Item], n: int) -> Draft | None:
    """The open story a single title line is a subhead of: the paragraphs after it continue that story
    (same column width) and are not a caption or brief of their own (closed by a credit or signature)."""
    if len(pending) != 1 or is_district_title(pending[0][0]) or pending[0][0].startswith(_layout()["kicker_lead"]):
        return None
    width = items[n].width
    owner = current if current is not None and not current.closed and current.paragraphs else None
    if owner is None or not owner.fits(width) or owner.start_kind == "district_item":
        owner = _resumable(drafts, width, include_last=True)
    if owner is None or width is None or owner.width is None:
        return None
    return None if _closing_item(items, n, owner) in ("signature", "credit") else owner


def _closing_item(items: list[Item], n: int, owner: Draft | None = None) -> str | None:
    """The kind of item that ends the text starting at item n: the first item that is not a paragraph of the
    same column (None when another column's text comes first)."""
    for item in items[n + 1:]:
        if item.kind != "para":
            return item.kind
        if owner is not None and item.width is not None and not owner.fits(item.width):
            return None
    return None


def _split_caption(drafts: list[Draft], story: Draft, n: int) -> Draft:
    """A credit after a story's text: the last paragraph is a photo caption printed after the story."""
    caption = Draft(first_item=n, last_item=n)
    caption.paragraphs.append(story.paragraphs.pop())
    if len(story.widths) > len(story.paragraphs):
        caption.widths.append(story.widths.pop())
    drafts.append(caption)
    return caption


def _resumable(drafts: list[Draft], width: float | None, include_last: bool = False) -> Draft | None:
    """An open story of the same column width that another column's item interrupted."""
    if width is None:
        return None
    for draft in reversed(drafts if include_last else drafts[:-1]):
        if not draft.closed and draft.width is not None and draft.fits(width) and draft.start_kind != "district_item":
            return draft
    return None


def _assign_columns(drafts: list[Draft], labels: list[tuple[str, int]]) -> None:
    """A label with a kind gathers the items of that kind printed after it; others head the next item."""
    columns = _layout()["columns"]
    for label, pos in labels:
        kind = columns[label]
        following = [d for d in drafts if d.first_item > pos and d.column_name is None]
        if kind:
            for d in following:
                if d.kind == kind:
                    d.column_name = label
        elif following:
            following[0].column_name = label


def _lend_districts(drafts: list[Draft]) -> None:
    """A photo caption that names no district takes the district of the story it stands next to."""
    for n, draft in enumerate(drafts):
        if draft.kind == "photo" and draft.district is None and not districts.find_districts(draft.body):
            for neighbour in drafts[n + 1:n + 2] + drafts[max(0, n - 1):n]:
                if neighbour.kind != "photo":
                    draft.district = districts.main_district(neighbour.body)
                    break
