"""Articles from layout items (the second pass of segmentation; lines.py makes the items).

A story starts at a byline, a `本报讯`, a `● 区名 ●` label, or at text that continues nothing open; it
ends at a signature (a brief) or a credit (a photo). Text of another column's width interrupts a story,
which resumes when text of its width comes back. Titles wait until the next paragraph tells whether they
are a subhead of the story that goes on, or headlines (headlines.py matches those to their stories)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from . import districts
from .bylines import Byline
from .lexicons import load_lexicon
from .lines import WIDTH_SLACK, Item, ItemKind, is_district_title
from .titles import TitleRun, split_run


class ArticleKind(Enum):
    FEATURE = "feature"      # a story opened by a byline line
    NEWS = "news"            # a 本报讯 story
    BRIEF = "brief"          # signed by a name in parentheses, or an item of a `● 区名 ●` list
    PHOTO = "photo"          # a caption ending in a credit


STARTS = (ItemKind.FEATURE_START, ItemKind.NEWS_START)
INSERT_MIN_DIFFERENCE = 2.0   # cells between the widths of a story and an item printed inside it (a narrower column)


@dataclass
class Draft:
    start_kind: ItemKind | None = None        # FEATURE_START | NEWS_START | DISTRICT_ITEM | None
    byline: Byline = field(default_factory=dict)
    paragraphs: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    subheads: list[str] = field(default_factory=list)
    end: ItemKind | None = None               # SIGNATURE | CREDIT | None
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
    def kind(self) -> ArticleKind:
        """A byline line opens a feature, and so do subheads in a story that no 本报讯 opens; a credit ends a
        photo caption, a signature a brief."""
        if self.start_kind is ItemKind.FEATURE_START or (self.start_kind is None and self.subheads and not self.end):
            return ArticleKind.FEATURE
        if self.end is ItemKind.CREDIT:
            return ArticleKind.PHOTO
        if self.end is ItemKind.SIGNATURE or self.start_kind is ItemKind.DISTRICT_ITEM:
            return ArticleKind.BRIEF
        return ArticleKind.NEWS

    @property
    def takes_headline(self) -> bool:
        return self.start_kind is not ItemKind.DISTRICT_ITEM

    def fits(self, width: float | None) -> bool:
        return width is None or self.width is None or abs(width - self.width) <= WIDTH_SLACK


def assemble_articles(items: list[Item]) -> tuple[list[Draft], list[TitleRun]]:
    """Articles in reading order, and the runs of titles that are headlines (not subheads)."""
    return _Assembler(items).run()


class _Assembler:
    """One pass over the items. The state: the drafts so far and the one being written (`current`), the
    titles waiting to be read as a subhead or headlines (`pending`), the labels seen, and whether the next
    paragraph must start a new item (`new_item_next`: headlines or a label just passed)."""

    def __init__(self, items: list[Item]):
        self.items = items
        self.drafts: list[Draft] = []
        self.runs: list[TitleRun] = []
        self.pending: list[tuple[str, int]] = []
        self.labels: list[tuple[str, int]] = []
        self.current: Draft | None = None
        self.new_item_next = False
        self.label_next = False        # the next item follows a label (not headlines)

    def run(self) -> tuple[list[Draft], list[TitleRun]]:
        for n, item in enumerate(self.items):
            _HANDLERS[item.kind](self, item, n)
        self._flush_titles()
        drafts = [d for d in self.drafts if d.body.strip()]
        _assign_columns(drafts, self.labels)
        _lend_districts(drafts)
        return drafts, self.runs

    def _flush_titles(self) -> None:
        """The waiting titles are headlines: the next paragraph starts an item."""
        if self.pending:
            self.runs.append(TitleRun([t for t, _ in self.pending], self.pending[0][1], self.pending[-1][1]))
            self.pending = []
            self.new_item_next = True

    def _start(self, draft: Draft) -> Draft:
        self._flush_titles()
        self.drafts.append(draft)
        self.current, self.new_item_next, self.label_next = draft, False, False
        return draft

    # -- one handler per item kind

    def _title(self, item: Item, n: int) -> None:
        self.pending.append((item.text, n))

    def _label(self, item: Item, n: int) -> None:
        self._flush_titles()
        self.labels.append((item.text, n))
        self.new_item_next = self.label_next = True      # a label heads a new item: what follows resumes nothing

    def _story_start(self, item: Item, n: int) -> None:
        self._start(Draft(item.kind, dict(item.byline), first_item=n, last_item=n))

    def _district_item(self, item: Item, n: int) -> None:
        self._start(Draft(item.kind, first_item=n, last_item=n, district=item.district))

    def _end_mark(self, item: Item, n: int) -> None:
        """A signature or credit closes the item it ends (a credit after a story closes its last paragraph,
        a caption printed after the story)."""
        self._flush_titles()
        current = self.current
        if current is None or current.closed or not current.paragraphs:
            current = self._start(Draft(first_item=n))
        elif item.kind is ItemKind.CREDIT and current.start_kind in STARTS and len(current.paragraphs) > 1:
            current = self.current = _split_caption(self.drafts, current, n)
        current.end, current.last_item = item.kind, n
        for role, names in item.byline.items():
            current.byline.setdefault(role, []).extend(names)

    def _paragraph(self, item: Item, n: int) -> None:
        target = _subhead_owner(self.pending, self.current, self.drafts, self.items, n) or self._trailing_subhead(n)
        if target is not None:
            target.subheads.append(self.pending.pop()[0])
        else:
            self._flush_titles()
            target = self.current
            if target is None or target.closed or not target.fits(item.width) or self.new_item_next:
                # a caption (text closed by a photo credit) is an item of its own, never a story resumed
                resume = not self.new_item_next and _closing_item(self.items, n) is not ItemKind.CREDIT
                target = _resumable(self.drafts, item.width) if resume else self._host_of_insert(item.width, n)
                if target is None:
                    target = self._start(Draft(first_item=n))
        target.paragraphs.append(item.text)
        if item.width is not None:
            target.widths.append(item.width)
        target.last_item = n
        self.current, self.new_item_next, self.label_next = target, False, False

    def _host_of_insert(self, width: float | None, n: int) -> Draft | None:
        """After an item printed inside a story (another column's width, closed by its signature or credit)
        and its headline printed after it, text of the story's width resumes the story, unless a signature or
        credit of its own closes it."""
        insert = self.current
        if self.label_next or insert is None or not insert.closed or len(self.drafts) < 2 or self.drafts[-1] is not insert:
            return None
        host = _resumable(self.drafts, width)
        if host is not self.drafts[-2] or (insert.width is not None and abs(insert.width - host.width) < INSERT_MIN_DIFFERENCE):
            return None
        return None if _closing_item(self.items, n, width=width) in (ItemKind.SIGNATURE, ItemKind.CREDIT) else host


    def _trailing_subhead(self, n: int) -> Draft | None:
        """After an item printed inside a story and closed by its signature or credit, its headline (printed
        after it) may be followed at once by a subhead of the story that resumes: the last title line, a
        headline unit of its own, is that subhead when the text after it continues an open story. The
        titles before it stay the insert's headline."""
        if len(self.pending) < 2 or self.current is None or not self.current.closed:
            return None
        units = split_run(TitleRun([t for t, _ in self.pending], self.pending[0][1], self.pending[-1][1]))
        if len(units) < 2 or len(units[-1].lines) != 1:
            return None
        owner = _subhead_owner(self.pending[-1:], None, self.drafts, self.items, n)
        if owner is not None:
            last = self.pending.pop()
            self._flush_titles()
            self.pending.append(last)
        return owner


_HANDLERS = {
    ItemKind.TITLE: _Assembler._title,
    ItemKind.LABEL: _Assembler._label,
    ItemKind.FEATURE_START: _Assembler._story_start,
    ItemKind.NEWS_START: _Assembler._story_start,
    ItemKind.DISTRICT_ITEM: _Assembler._district_item,
    ItemKind.SIGNATURE: _Assembler._end_mark,
    ItemKind.CREDIT: _Assembler._end_mark,
    ItemKind.PARA: _Assembler._paragraph,
}


def _kicker_lead() -> str:
    return load_lexicon("layout")["kicker_lead"]


def _subhead_owner(pending, current: Draft | None, drafts: list[Draft], items: list[Item], n: int) -> Draft | None:
    """The open story a single title line is a subhead of: the paragraphs after it continue that story
    (same column width) and are not a caption or brief of their own (closed by a credit or signature)."""
    if len(pending) != 1 or is_district_title(pending[0][0]) or pending[0][0].startswith(_kicker_lead()):
        return None
    width = _text_width(items, n)
    owner = current if current is not None and not current.closed and current.paragraphs else None
    if owner is None or not owner.fits(width) or owner.start_kind is ItemKind.DISTRICT_ITEM:
        owner = _resumable(drafts, width, include_last=True)
    if owner is None or width is None or owner.width is None:
        return None
    # the text after the title, in its own width (not the story's widest), closed by a signature or a credit
    # is a brief or caption of its own
    return None if _closing_item(items, n, width=width) in (ItemKind.SIGNATURE, ItemKind.CREDIT) else owner


def _text_width(items: list[Item], n: int) -> float | None:
    """The column width of the text starting at item n: its first paragraph of more than one line (a
    paragraph of one line, `“…”` alone, tells none)."""
    for item in items[n:]:
        if item.kind is not ItemKind.PARA:
            return None
        if item.width is not None:
            return item.width
    return None


def _closing_item(items: list[Item], n: int, owner: Draft | None = None, width: float | None = None) -> ItemKind | None:
    """The kind of item that ends the text starting at item n: the first item that is not a paragraph of the
    same column (`owner`'s, or `width`; None when another column's text comes first)."""
    for item in items[n + 1:]:
        if item.kind is not ItemKind.PARA:
            return item.kind
        if item.width is not None and ((owner is not None and not owner.fits(item.width))
                                       or (width is not None and abs(item.width - width) > WIDTH_SLACK)):
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
        if (not draft.closed and draft.width is not None and draft.fits(width)
                and draft.start_kind is not ItemKind.DISTRICT_ITEM):
            return draft
    return None


def _assign_columns(drafts: list[Draft], labels: list[tuple[str, int]]) -> None:
    """A label with a kind gathers the items of that kind printed after it; others head the next item."""
    columns = load_lexicon("layout")["columns"]
    for label, pos in labels:
        kind = ArticleKind(columns[label]) if columns[label] else None
        following = [d for d in drafts if d.first_item > pos and d.column_name is None]
        if kind:
            for d in following:
                if d.kind is kind:
                    d.column_name = label
        elif following:
            following[0].column_name = label


def _lend_districts(drafts: list[Draft]) -> None:
    """A photo caption that names no district takes the district of the story it stands next to."""
    for n, draft in enumerate(drafts):
        if draft.kind is ArticleKind.PHOTO and draft.district is None and not districts.find_districts(draft.body):
            for neighbour in drafts[n + 1:n + 2] + drafts[max(0, n - 1):n]:
                if neighbour.kind is not ArticleKind.PHOTO:
                    draft.district = districts.main_district(neighbour.body)
                    break
