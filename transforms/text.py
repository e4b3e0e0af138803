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
    # NFKC turns full-width punctuation into ASCII; the page's punctuation is kept in its Chinese form.
    text = text.translate(_ASCII_TO_CJK_PUNCT)
    return "\n".join(line if line.isprintable() else _drop_controls(line) for line in text.split("\n"))


def _drop_controls(line: str) -> str:
    """The slow path, for the rare line that is not printable: drop control and format characters."""
    return "".join(ch for ch in line if unicodedata.category(ch)[0] != "C")


# Chinese punctuation that NFKC folds to ASCII; put back so rules see one form.
_ASCII_TO_CJK_PUNCT = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "!": "！", "?": "？"})


def page_lines(text: str) -> list[str]:
    """The page's printed lines: stripped, blank lines dropped (the layout puts one after every line)."""
    return [line.strip() for line in normalize_text(text).split("\n") if line.strip()]


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
    """Re-join wrapped lines into running text (no separator, but a space between two Latin words)."""
    out = ""
    for line in lines:
        piece = compact(line)
        if out and piece and out[-1].isascii() and out[-1].isalpha() and piece[0].isascii() and piece[0].isalpha():
            out += " "
        out += piece
    return out
