"""What each printed line is, and the layout items the lines make (the first pass of segmentation).

The page text comes from a multi-column layout: headlines stand before, after or far from their story,
column labels float, briefs from another column interleave and even sit inside a longer story. Each line
is read once (`read_line`: its width, whether it ends a sentence, and its kind when it is a marker: a
column label, a byline, a `本报讯` start…); `classify_lines` then turns the lines into layout items in
reading order: labels, story starts, titles, paragraphs, signatures and credits. assembly.py builds the
articles from them.

Titles are told from paragraphs by the layout: a paragraph's lines fill its column, so a line is a title
when it is clearly narrower (or wider) than the body text around it, when the next line is a byline or
another marker, or when it opens with a district prefix (`南川：`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cache

from . import districts
from .bylines import Byline, byline_only, news_byline, split_credit, split_signature
from .lexicons import load_lexicon
from .text import compact, is_letter_spaced, join_lines, line_width, tidy_title

MAX_TITLE_WIDTH = 34
WIDTH_SLACK = 3.5          # column widths within this many cells are the same column
FIRST_LINE_INDENT = 2      # a paragraph's first line lost its two-cell indent in extraction
SHORT_LINE_RATIO = 0.8     # a line this much narrower than the body text around it is a title
COLON_HEAD_CHARS = 10      # the first part of a two-part title `X：Y`
BODY_LOOKAHEAD = 8         # how far to look for the body text a title stands beside
SENTENCE_MARKS = "，。；、"


class LineKind(Enum):
    """A line that marks the layout (any other line is text: a title or part of a paragraph)."""
    LABEL = "label"                    # a column label: 区县快递
    DISTRICT_ITEM = "district_item"    # `● 彭水县 ●` heading the items below it
    BYLINE = "byline"                  # a byline on its own line: `□ 本报记者 X`
    NEWS_START = "news_start"          # `本报讯（记者 …）…`
    CREDIT = "credit"                  # a photo credit on its own line: `杨灿 摄`
    SIGNATURE = "signature"            # a brief's signature on its own line: `（张若澜）`
    BULLET = "bullet"                  # a list line: `■ 委员提案 163 件`


class ItemKind(Enum):
    """A layout item: what assembly.py builds articles from."""
    LABEL = "label"
    DISTRICT_ITEM = "district_item"
    FEATURE_START = "feature_start"    # a byline line opens a feature
    NEWS_START = "news_start"
    TITLE = "title"
    PARA = "para"
    SIGNATURE = "signature"            # ends a brief
    CREDIT = "credit"                  # ends a photo caption


# Items that show a page's article structure; a text with none of them (and no section header) is no page.
STRUCTURE_ITEMS = frozenset(ItemKind) - {ItemKind.TITLE, ItemKind.PARA}


def _layout():
    return load_lexicon("layout")


def _terminal(flat: str) -> bool:
    layout = _layout()
    flat = flat.rstrip(layout["closing_marks"])
    return bool(flat) and flat[-1] in layout["terminal_punctuation"]


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


def is_district_title(flat: str) -> bool:
    return districts.prefix_district(flat) is not None and len(flat) <= MAX_TITLE_WIDTH


@dataclass
class Line:
    raw: str
    flat: str
    width: float
    terminal: bool
    marker: LineKind | None
    byline: Byline | None = None

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
        line.marker = LineKind.LABEL
    elif item_district(flat):
        line.marker = LineKind.DISTRICT_ITEM
    elif flat.startswith("本报讯"):
        line.marker = LineKind.NEWS_START
    elif flat[:1] in _layout()["list_bullets"]:
        line.marker = LineKind.BULLET
    elif (credit := split_credit(raw)) and not credit[0]:
        line.marker, line.byline = LineKind.CREDIT, credit[1]
    elif (byline := byline_only(raw)) is not None:
        line.marker, line.byline = LineKind.BYLINE, byline
    elif (signature := split_signature(raw)) and not signature[0]:
        line.marker, line.byline = LineKind.SIGNATURE, signature[1]
    return line


def is_title(lines: list[Line], i: int, previous_body: float | None) -> bool:
    """Is line i (which does not continue a paragraph) a title rather than a paragraph's first line?"""
    line = lines[i]
    if not line.title_like:
        return False
    if line.flat.startswith(_layout()["kicker_lead"]) or is_district_title(line.flat) or i + 1 == len(lines):
        return True
    nxt = lines[i + 1]
    if nxt.marker and nxt.marker is not LineKind.BULLET:
        return True
    # Two lines of a paragraph are as wide as each other, unless the second ends it.
    if nxt.title_like and not nxt.terminal and nxt.width + WIDTH_SLACK < line.width:
        return True
    body = _body_width(lines, i) or previous_body
    if body is None:
        if nxt.terminal:            # a paragraph of two lines: the second, shorter one ends it
            return False
        body = nxt.width
    if _colon_title(line.flat) and line.width + FIRST_LINE_INDENT + 1 < body:
        return True                 # `成效：从“单点突破”到全市共享` short of its column: a paragraph would fill it
    return line.width + FIRST_LINE_INDENT < SHORT_LINE_RATIO * body or line.width > body + WIDTH_SLACK


def _colon_title(flat: str) -> bool:
    """A title in two parts, `X：Y` (`深耕产业“试验田”：从技术瓶颈到全链升级`), with no sentence mark."""
    head, colon, tail = flat.partition("：")
    return (bool(colon) and 2 <= len(head) <= COLON_HEAD_CHARS and len(tail) >= 4 and "：" not in tail
            and not any(ch in flat for ch in "，。；、！？"))


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
    district, is a kicker (`…——`), or is the title of the first story, followed by its 副题 (`——…`)."""
    section = theme = None
    i = 0
    if lines and compact(lines[0]) in _layout()["sections"]:
        section, i = compact(lines[0]), 1
        if i < len(lines) and _is_banner(lines, i):
            theme, i = tidy_title(lines[i]), i + 1
    return section, theme, i


def _is_banner(lines: list[str], i: int) -> bool:
    line = read_line(lines[i])
    lead = _layout()["kicker_lead"]
    if not line.title_like or line.flat.startswith(lead) or line.flat.endswith(lead):
        return False                  # a 副题 or a 引题 (`聚焦民生实事——`) of the first story
    if districts.find_districts(line.flat) or "：" in line.flat:
        return False
    return i + 1 == len(lines) or not compact(lines[i + 1]).startswith(_layout()["kicker_lead"])


@dataclass
class Item:
    kind: ItemKind
    text: str = ""            # title text, label name, or paragraph running text
    width: float | None = None  # paragraph: its column width (None when it has a single line)
    byline: Byline = field(default_factory=dict)
    lines: int = 0
    district: object = None   # district_item: the district its label names


def classify_lines(raw_lines: list[str]) -> list[Item]:
    """Layout items in reading order. `raw_lines` are the page's content lines (header removed)."""
    return _Classifier(raw_lines).run()


class _Classifier:
    """One pass over the lines. The state is the open paragraph (its lines, and their text: a news start
    line without its byline) and the width of the last paragraph, which tells titles from text where
    none follows. A marker line goes to its handler in `_MARKERS`; other lines are titles or text."""

    def __init__(self, raw_lines: list[str]):
        self.raw_lines = raw_lines
        self.lines = [read_line(r) for r in raw_lines]
        self.items: list[Item] = []
        self.para: list[Line] = []
        self.para_text: list[str] = []
        self.previous_body: float | None = None

    def run(self) -> list[Item]:
        i = 0
        while i < len(self.lines):
            marker = self.lines[i].marker
            if marker is None:
                self._text(i)
                i += 1
                continue
            if marker is not LineKind.BULLET:
                self._close_para(interrupted=True)
            i += _MARKERS[marker](self, i)
        self._close_para(interrupted=True)
        return self.items

    # -- the open paragraph

    def _add(self, line: Line, text: str) -> None:
        self.para.append(line)
        self.para_text.append(text)

    def _close_para(self, end: ItemKind | None = None, names: Byline | None = None,
                    interrupted: bool = False) -> None:
        """Close the open paragraph (a marker cut it off when `interrupted`: it may be a stack of titles),
        then add the item `end` that closed it (a signature or credit), if any."""
        if interrupted and _stacked_titles(self.para):
            self.items.extend(Item(ItemKind.TITLE, tidy_title(line.raw)) for line in self.para)
            self.para, self.para_text = [], []
        if self.para:
            # A justified, letter-spaced line fills its column whatever its character count: no evidence.
            widths = [line.width for line in self.para[:-1] if not is_letter_spaced(line.raw)]
            width = max(widths) if widths else None
            self.items.append(Item(ItemKind.PARA, join_lines(self.para_text), width, lines=len(self.para)))
            self.previous_body = width or self.previous_body
            self.para, self.para_text = [], []
        if end:
            self.items.append(Item(end, byline=names or {}))

    # -- lines that are not markers

    def _text(self, i: int) -> None:
        line = self.lines[i]
        if not self.para and is_title(self.lines, i, self.previous_body):
            self.items.append(Item(ItemKind.TITLE, tidy_title(line.raw)))
            return
        signature, credit = split_signature(line.raw), split_credit(line.raw)
        if signature or credit:
            text, names = signature or credit
            self._add(line, text)
            self._close_para(ItemKind.SIGNATURE if signature else ItemKind.CREDIT, names)
            return
        self._add(line, line.raw)
        if line.terminal:
            self._close_para()

    # -- marker lines: each handler returns the number of lines it used

    def _label(self, i: int) -> int:
        self.items.append(Item(ItemKind.LABEL, column_label(self.lines[i].flat)))
        return 1

    def _district_item(self, i: int) -> int:
        flat = self.lines[i].flat
        self.items.append(Item(ItemKind.DISTRICT_ITEM, flat, district=item_district(flat)))
        return 1

    def _byline(self, i: int) -> int:
        self.items.append(Item(ItemKind.FEATURE_START, byline=self.lines[i].byline))
        return 1

    def _news_start(self, i: int) -> int:
        byline, rest, used = news_byline(self.raw_lines, i)
        self.items.append(Item(ItemKind.NEWS_START, byline=byline))
        if rest:
            self._add(self.lines[i + used - 1], rest)
            if _terminal(compact(rest)):
                self._close_para()
        return used

    def _end_mark(self, i: int) -> int:
        line = self.lines[i]
        kind = ItemKind.CREDIT if line.marker is LineKind.CREDIT else ItemKind.SIGNATURE
        self.items.append(Item(kind, byline=line.byline))
        return 1

    def _bullet(self, i: int) -> int:
        """A list line is a paragraph of its own."""
        self._close_para()
        line = self.lines[i]
        self._add(line, line.raw.lstrip(_layout()["list_bullets"] + " "))
        self._close_para()
        return 1


_MARKERS = {
    LineKind.LABEL: _Classifier._label,
    LineKind.DISTRICT_ITEM: _Classifier._district_item,
    LineKind.BYLINE: _Classifier._byline,
    LineKind.NEWS_START: _Classifier._news_start,
    LineKind.CREDIT: _Classifier._end_mark,
    LineKind.SIGNATURE: _Classifier._end_mark,
    LineKind.BULLET: _Classifier._bullet,
}


def _stacked_titles(para: list[Line]) -> bool:
    """An unfinished 'paragraph' cut off by a marker that is really a stack of titles (up to two headlines)."""
    return 0 < len(para) <= 4 and all(line.title_like for line in para)
