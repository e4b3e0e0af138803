"""Quantities a story reports (see ../shared/spec/metrics-guideline.md): `124家委员企业`, `7万余名`, `228.64亿元`,
and the same written in Chinese numerals: `两千余人`, `百余家`, `三场`, `近万元`, `一千二百亩`.

The words (units, qualifiers, date words, set phrases) come from lexicons/metrics.yaml; this module holds
the rules."""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import cache

from .dates import CHINESE_YEAR, YEAR
from .lexicons import load_lexicon
from .numbers import CHINESE_NUMERALS, MAGNITUDES, NONZERO_DIGITS, UNIT_NUMERALS, read_number
from .subjects import Counted, subject
from .text import CJK, sentence_span

# Number runs are bounded, so that every pattern stays linear in the text and no value is absurd: a longer
# run is a code, an id or noise, never a quantity a story reports.
MAX_DIGITS = 15            # digits in one group of a number (a float keeps no more)
MAX_NUMERAL_CHARS = 16     # characters of a Chinese numeral (一千二百三十四万五千六百七十八 has 15)
MAX_VALUE = 1e15           # a larger value is no quantity
MAX_TITLE_CHARS = 100      # a 《title》 longer than this is an unclosed 《
SET_WORD_CHARS = 8         # how much text after a Chinese numeral is cut to see whether it opens a set word
_ARABIC = rf"\d{{1,{MAX_DIGITS}}}(?:[.,]\d{{1,{MAX_DIGITS}}}){{0,4}}(?![\d.,]\d)"
_CHINESE = CHINESE_NUMERALS
_CHINESE_NUMBER = rf"(?=[{_CHINESE}]{{0,{MAX_NUMERAL_CHARS - 1}}}[{NONZERO_DIGITS}两{UNIT_NUMERALS[:-1]}])[{_CHINESE}]{{1,{MAX_NUMERAL_CHARS}}}(?![{_CHINESE}])"
_PLAIN = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Metric:
    surface: str
    value: float
    value_max: float | None
    unit: str
    qualifier: str | None
    subject: str
    sentence: str
    span_start: int
    span_end: int


def _lex():
    return load_lexicon("metrics")


def _alternation(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


@cache
def _pattern() -> re.Pattern:
    """qualifier? number qualifier? magnitude? qualifier? (range number magnitude?)? unit qualifier?"""
    lex = _lex()
    units = list(lex["units"]) + [u for u in lex["money"] if u != "元"] + ["元", "%", "％"]
    magnitudes = _alternation(MAGNITUDES)
    after_number = _alternation(lex["qualifiers"]["after_number"])
    number = rf"(?<![\d.+A-Za-z])(?:{_ARABIC})|(?<![{_CHINESE}第届周初])(?:{_CHINESE_NUMBER})"
    return re.compile(
        rf"(?P<pre>{_alternation(lex['qualifiers']['before'])})?"
        rf"(?P<num>{number})(?P<q0>{after_number})?(?P<mag>{magnitudes})?(?P<q1>{after_number})?"
        rf"(?:(?P<range>{_alternation(lex['range_words'])})(?P<num2>{_ARABIC}|{_CHINESE_NUMBER})(?P<mag2>{magnitudes})?)?"
        rf"(?P<unit>{_alternation(units)})"
        rf"(?P<q2>{_alternation(lex['qualifiers']['after_unit'])})?"
    )


def _protected_spans(body: str) -> list[tuple[int, int]]:
    """Spans whose numbers are names, not quantities: 《titles》, short quoted codes and slogans
    (“1530”, “3+3+N”, “四送”, “一村一委员”)."""
    spans = [m.span() for m in _TITLE.finditer(body)] if "《" in body else []
    for m in _QUOTED.finditer(body):
        text = m.group()
        if re.search(r"\d", text) and not re.search(f"[{CJK}]{{3,}}", text) or re.search(f"[{_CHINESE}]", text):
            spans.append(m.span())
    merged: list[list[int]] = []
    for start, end in sorted(spans):            # titles and quotes may nest: one span for each stretch
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


_TITLE = re.compile(rf"《[^《》\n]{{0,{MAX_TITLE_CHARS}}}》")
_QUOTED = re.compile(r"[“‘][^”’]{0,12}[”’]")


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    """Is `pos` inside one of the sorted, disjoint spans?"""
    i = bisect.bisect_right(spans, (pos, math.inf)) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _chinese(m: re.Match) -> bool:
    return not m.group("num")[0].isdigit()


def _excluded(body: str, m: re.Match) -> bool:
    """Dates, clock times, ordinals, sessions, codes and set phrases are not quantities."""
    lex = _lex()
    start, end = m.start("num"), m.end()
    num, unit = m.group("num"), m.group("unit")
    before = body[max(0, start - 1):start]
    if unit in lex["excluded_units"] or before in ("第", "+") or body[end:end + 1] == "+":
        return True
    if unit == "年" and not (m.group("q0") or m.group("q1") or m.group("mag")) and _A_YEAR.fullmatch(num):
        return True       # 2024年, 二〇二四年, 2022年初: a year, not a duration
    words = _words()
    if unit == "年" and body.startswith(words.after_year, end):
        return True
    if unit in lex["time_units"] and body.startswith(words.relative_time, end):
        return True       # 两年前: a point in time
    if _chinese(m):
        if body.startswith(words.numeral_phrases, start):
            return True
        if body[end:end + 1] == unit[-1]:          # 一件件提案, 一次次视察: "each one", not a count
            return True
        if body[start - 1:start] in lex["demonstratives"]:   # 这两座: the ones already counted
            return True
        if _is_name_or_article(body, m):
            return True
    return False


@dataclass(frozen=True)
class _Prefixes:
    """Word lists as tuples, for one `startswith` each."""
    after_year: tuple[str, ...]
    relative_time: tuple[str, ...]
    numeral_phrases: tuple[str, ...]


@cache
def _words() -> _Prefixes:
    lex = _lex()
    return _Prefixes(tuple(w[1:] for w in lex["date_words"] if w.startswith("年")), tuple(lex["relative_time"]),
                     tuple(lex["numeral_phrases"]))


_A_YEAR = re.compile(f"{YEAR}|{CHINESE_YEAR}")
_NUMERAL_PAIR = re.compile(rf"([{NONZERO_DIGITS[:-1]}])([{NONZERO_DIGITS[1:]}])([{UNIT_NUMERALS}]*)")


def _is_name_or_article(body: str, m: re.Match) -> bool:
    """A Chinese numeral that counts nothing: a bare magnitude in a name or slogan (`万年社区`, `百名委员巡百河`;
    a count would say 百余名 or 100名), a set word jieba knows (`四轮驱动`, `一站式`), or 一 as the article
    after a copula (`是一名医务工作者`, `做一名…委员`)."""
    lex = _lex()
    num = m.group("num")
    qualified = any(m.group(g) for g in ("pre", "q0", "q1", "q2"))
    if num in MAGNITUDES + ("百",) and not qualified:
        return True
    start, end = m.start("num"), m.end()
    word, pos = _first_word(body[start:start + SET_WORD_CHARS])
    if len(word) > end - start and pos in lex["set_word_tags"]:
        return True
    if num == "一" and not qualified:
        before = body[max(0, start - 2):start]
        return any(before.endswith(verb) for verb in lex["article_verbs"])
    return False


def _first_word(text: str) -> tuple[str, str]:
    from .tokens import tag

    tagged = tag(text)
    return tagged[0] if tagged else ("", "")


def _values(m: re.Match) -> tuple[float | None, float | None]:
    """(value, value_max): `3至8年` is a range; so is `五六万` (five or six ten-thousands)."""
    mag, mag2 = m.group("mag") or "", m.group("mag2") or ""
    num = m.group("num")
    if not num[0].isdigit() and (pair := _NUMERAL_PAIR.fullmatch(num)):
        low, high = (read_number(d + pair.group(3) + mag) for d in pair.group(1, 2))
        if low is not None and high is not None and high - low == low / (read_number(pair.group(1)) or 1):
            return low, high
    value = _read(num, mag or mag2)
    value_max = _read(m.group("num2"), mag2 or mag) if m.group("num2") else None
    return value, value_max


def _read(num: str, mag: str) -> float | None:
    """The number with its magnitude; plain digits without the general reader (most quantities are)."""
    if not mag and _PLAIN.fullmatch(num):
        return float(num)
    return read_number(num + mag)


def _qualifier_after_noun(body: str, end: int, counts: str) -> str | None:
    """A qualifier printed after the counted noun, not after the unit: `1000双鞋左右` -> 左右."""
    for qualifier in _lex()["qualifiers"]["after_unit"]:
        at = body.find(qualifier, end, end + len(counts) + len(qualifier))
        if at > end and counts.endswith(body[end:at]) and _CJK_RUN.fullmatch(body[end:at]):
            return qualifier
    return None


_CJK_RUN = re.compile(f"[{CJK}]+")


def extract_metrics(body: str) -> list[Metric]:
    """Every quantity in an article body, with spans into `body`."""
    lex = _lex()
    protected = _protected_spans(body)
    out: list[Metric] = []
    counted: list[Counted] = []
    for m in _pattern().finditer(body):
        start = m.start("pre") if m.group("pre") and m.group("pre") not in lex["not_qualifiers"] else m.start("num")
        end = m.end()
        if _inside(protected, m.start("num")) or _excluded(body, m):
            continue
        value, value_max = _values(m)
        if value is None:
            continue
        unit, scale = m.group("unit"), 1.0
        if unit in lex["money"]:
            scale, unit = float(lex["money"][unit]), "元"
        if not abs(value * scale) <= MAX_VALUE or (value_max is not None and not abs(value_max * scale) <= MAX_VALUE):
            continue
        unit = "%" if unit == "％" else unit
        qualifier = m.group("q0") or m.group("q1") or m.group("q2") or (m.group("pre") if start == m.start("pre") else None)
        counts = subject(body, start, end, unit, counted)
        if qualifier is None and counts:
            qualifier = _qualifier_after_noun(body, end, counts)
        counted.append(Counted(start, end, counts))
        out.append(Metric(
            surface=body[start:end], value=value * scale,
            value_max=value_max * scale if value_max is not None else None,
            unit=unit, qualifier=qualifier, subject=counts,
            sentence=body[slice(*sentence_span(body, start, end))].strip(), span_start=start, span_end=end,
        ))
    return out
