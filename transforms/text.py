"""Decoding and normalising page text: bytes in, clean lines out."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .errors import PageParseError

CJK = r"\u3400-\u9fff\uf900-\ufaff"
# A run of whitespace is layout unless it separates two Latin letters/digits ("AI 诊疗" keeps none,
# "Windows 11" keeps one).
_LAYOUT_SPACE = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")
_HAS_CJK = re.compile(f"[{CJK}]")
_KEEP_AS_WRITTEN = re.compile("([…℃℉\u2160-\u217f]+)")


def decode_page(raw: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030 bytes -> text. Raises PageParseError for other input."""
    if not raw.strip():
        raise PageParseError("decode", "empty file")
    if b"\x00" in raw:
        raise PageParseError("decode", "binary file (NUL bytes)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and not _HAS_CJK.search(text):
            break
        return text
    raise PageParseError("decode", "not UTF-8 or GB18030 text")


def normalize_text(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), unified newlines, no control characters.
    Characters NFKC would rewrite but the page means as written are kept: `……`, `℃`, Roman numerals (`Ⅳ类`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = _KEEP_AS_WRITTEN.split(text)
    text = "".join(part if n % 2 else unicodedata.normalize("NFKC", part) for n, part in enumerate(parts))
    # NFKC turns full-width punctuation into ASCII; the page's punctuation is kept in its Chinese form, except
    # a thousands separator (`1,234万元`), which belongs to its number.
    text = _THOUSANDS.sub(",", text.translate(_ASCII_TO_CJK_PUNCT))
    return "\n".join(line if line.isprintable() else _drop_controls(line) for line in text.split("\n"))


def _drop_controls(line: str) -> str:
    """The slow path, for the rare line that is not printable: drop control and format characters."""
    return "".join(ch for ch in line if unicodedata.category(ch)[0] != "C")


_THOUSANDS = re.compile(r"，(?<=\d，)(?=\d{3}(?!\d))")     # a comma between a digit and three: 1,234
# Chinese punctuation that NFKC folds to ASCII; put back so rules see one form.
_ASCII_TO_CJK_PUNCT = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "!": "！", "?": "？"})


def page_lines(text: str) -> list[str]:
    """The page's printed lines: stripped, blank lines dropped (the layout puts one after every line)."""
    return [line.strip() for line in normalize_text(text).split("\n") if line.strip()]


# What marks a text as something other than a page's printed text.
MAX_LINE_CHARS = 2000       # a printed line is a column wide; a paragraph a few hundred characters at most
MIN_CHINESE_SHARE = 0.5     # of the visible characters: a page of this paper is Chinese text
_FORMAT_SIGNATURES = [      # (pattern in the first kilobytes, what the file is)
    (re.compile(r"^%PDF-|\bendobj\b|\bxref\b.*\btrailer\b", re.S), "PDF syntax"),
    (re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|</(?:div|p|span|table)>", re.I), "HTML markup"),
    (re.compile(r"^[^:\n]*:[^:\n]*:\d+:\d+:", re.M), "a system file (colon-separated records)"),
]
# Chinese characters and punctuation, full-width forms included but full-width Latin letters and digits not
# (the check reads the text before NFKC folds those to ASCII).
_CHINESE_TEXT = re.compile(f"[{CJK}\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uffef“”‘’…—·]")


def not_a_page(text: str) -> str | None:
    """Why `text` cannot be a newspaper page's text (markup, PDF syntax, a system file, a line no page has,
    too little Chinese), or None. Cheap: it runs before the text is normalised. (A page's size is limited by
    the setting CPPCC_MAX_FILE_BYTES alone; parsing is linear in it.)"""
    head = text[:8192]
    for pattern, what in _FORMAT_SIGNATURES:
        if pattern.search(head):
            return f"{what}, not a newspaper page"
    longest = max(map(len, text.splitlines()), default=0)
    if longest > MAX_LINE_CHARS:                 # the slow path: spaces around a line do not count
        longest = max(len(line.strip()) for line in text.splitlines())
    if longest > MAX_LINE_CHARS:
        return f"a line of {longest:,} characters: not a printed page's text"
    sample = "".join(text[:40_000].split())[:20_000]
    visible, chinese = len(sample), len(sample) - len(_CHINESE_TEXT.sub("", sample))
    if visible and chinese / visible < MIN_CHINESE_SHARE:
        return f"{chinese / visible:.0%} Chinese text: not a newspaper page"
    return None


@lru_cache(maxsize=None)
def _ends(kind: str) -> str:
    from .lexicons import load_lexicon

    return load_lexicon("layout")[kind]


MAX_SENTENCE_CHARS = 400    # how far a sentence reaches either side of what it holds; a longer run is no sentence


def sentence_span(text: str, start: int, end: int | None = None) -> tuple[int, int]:
    """(start, end) of the sentence around text[start:end], its closing mark included (at most
    MAX_SENTENCE_CHARS either side)."""
    ends = _ends("sentence_ends")
    end = start if end is None else end
    floor, ceiling = max(0, start - MAX_SENTENCE_CHARS), min(len(text), end + MAX_SENTENCE_CHARS)
    left = max(text.rfind(ch, floor, start) for ch in ends)
    rights = [i for i in (text.find(ch, end, ceiling) for ch in ends) if i >= 0]
    return (left + 1 if left >= 0 else floor), (min(rights) + 1 if rights else ceiling)


def sentence_before(text: str, start: int) -> str:
    """The sentence that ends right before `start` (the start of a sentence)."""
    ends = _ends("sentence_ends")
    floor = max(0, start - 1 - MAX_SENTENCE_CHARS)
    left = max(text.rfind(ch, floor, max(0, start - 1)) for ch in ends)
    return text[(left + 1 if left >= 0 else floor):start]


def clause_before(text: str, pos: int) -> str:
    """The text of the clause up to `pos`."""
    ends = _ends("clause_ends")
    floor = max(0, pos - MAX_SENTENCE_CHARS)
    left = max(text.rfind(ch, floor, pos) for ch in ends)
    return text[(left + 1 if left >= 0 else floor):pos]


def compact(line: str) -> str:
    """A line with its layout spaces removed: spaces stay only between two Latin letters or digits."""
    return _LAYOUT_SPACE.sub("", line)


def tidy_title(line: str) -> str:
    """A title line: justified letter spacing removed, a single word space kept ("脚下访实情 精准开“良方”")."""
    if is_letter_spaced(line):
        return compact(line)
    return " ".join(compact(p) for p in line.split())


def is_letter_spaced(line: str) -> bool:
    """A justified line printed with a space between every character ("盯 着 中 药 材")."""
    parts = line.split()
    return len(parts) >= 4 and sum(len(p) <= 2 and not p.isascii() for p in parts) >= 0.75 * len(parts)


@lru_cache(maxsize=8192)
def line_width(line: str) -> float:
    """Printed width in CJK character cells: CJK and full-width characters 1, Latin letters and digits 0.5."""
    width = 0.0
    for ch in compact(line):
        width += 0.5 if ord(ch) < 0x2000 and ch not in "“”‘’" else 1.0
    return width


def join_lines(lines: list[str]) -> str:
    """Re-join wrapped lines into running text: no separator, but a space between two Latin words. A Latin
    word set in Chinese text and cut by the line end (`手机A` / `PP就能`) is one word again: `APP`."""
    out = ""
    for line in lines:
        piece = compact(line)
        if out and piece and _latin(out[-1]) and _latin(piece[0]) and not _embedded_word(out, piece):
            out += " "
        out += piece
    return out


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


_LATIN_TAIL = re.compile(r"(?:^|(.))([A-Za-z]+)$")
_LATIN_HEAD = re.compile(r"^([A-Za-z]+)(.|$)")
_CAPITALISED = re.compile(r"[A-Z][a-z]+")


def _embedded_word(before: str, after: str) -> bool:
    """The Latin letters ending `before` and opening `after` stand between Chinese characters: one word
    broken by the line end — unless both halves are capitalised words (`Windows` / `Server`)."""
    tail, head = _LATIN_TAIL.search(before[-40:]), _LATIN_HEAD.match(after)
    if not (tail and head) or (_CAPITALISED.fullmatch(tail.group(2)) and _CAPITALISED.fullmatch(head.group(1))):
        return False
    return all(not ch or _HAS_CJK.match(ch) for ch in (tail.group(1) or "", head.group(2)))
