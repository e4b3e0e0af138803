"""Quantities a story reports (see ../shared/spec/metrics-guideline.md): `124家委员企业`, `7万余名`, `228.64亿元`.

The words (units, qualifiers, date words) come from lexicons/metrics.yaml; this module holds the rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .lexicons import load_lexicon
from .numbers import read_number

SUBJECT_MAX_CHARS = 10
_CLAUSE_END = "，。、；：！？（）“”‘’《》\n"
_SENTENCE_END = "。！？；\n"


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


def _alternation(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


@cache
def _pattern() -> re.Pattern:
    lex = load_lexicon("metrics")
    units = list(lex["units"]) + [u for u in lex["money"] if u != "元"] + ["元", "%", "％"]
    magnitudes = _alternation(m for m in lex["magnitudes"] if m not in ("百",))
    number = r"\d+(?:[.,]\d+)*"
    return re.compile(
        rf"(?P<pre>{_alternation(lex['qualifiers']['before'])})?"
        rf"(?<![\d.+A-Za-z])(?P<num>{number})(?P<mag>{magnitudes})?(?P<q1>{_alternation(lex['qualifiers']['after_number'])})?"
        rf"(?:(?P<range>{_alternation(lex['range_words'])})(?P<num2>{number})(?P<mag2>{magnitudes})?)?"
        rf"(?P<unit>{_alternation(units)})"
        rf"(?P<q2>{_alternation(lex['qualifiers']['after_unit'])})?"
    )


def _protected_spans(body: str) -> list[tuple[int, int]]:
    """Spans whose numbers are names, not quantities: 《titles》 and short quoted codes (“1530”, “3+3+N”)."""
    spans = [m.span() for m in re.finditer(r"《[^》]*》", body)]
    spans += [m.span() for m in re.finditer(r"“[^”]{0,12}”", body) if re.search(r"\d", m.group())
              and not re.search(r"[\u4e00-\u9fff]{3,}", m.group())]
    return spans


def _is_date_or_code(body: str, m: re.Match) -> bool:
    lex = load_lexicon("metrics")
    start, end = m.start("num"), m.end()
    num, unit = m.group("num"), m.group("unit")
    before, after = body[max(0, start - 1):start], body[end:end + 2]
    if unit in lex["excluded_units"] or before == "第":
        return True
    if unit == "年" and not m.group("q1") and not m.group("mag") and re.fullmatch(r"(19|20)\d\d", num):
        return True       # 2024年, 2022年初: a year, not a duration
    if unit == "年" and any(body.startswith(w[1:], end) for w in lex["date_words"] if w.startswith("年")):
        return True
    return after[:1] == "+" or body[max(0, start - 1):start] == "+"


def _subject(body: str, start: int, end: int) -> str:
    after = re.split(f"[{_CLAUSE_END}]", body[end:end + 30], maxsplit=1)[0]
    if after:
        return after[:SUBJECT_MAX_CHARS]
    before = re.split(f"[{_CLAUSE_END}]", body[max(0, start - 30):start])[-1]
    return before[-SUBJECT_MAX_CHARS:].lstrip("共计累达有了")


def _sentence(body: str, start: int, end: int) -> str:
    left = max(body.rfind(ch, 0, start) for ch in _SENTENCE_END) + 1
    rights = [i for i in (body.find(ch, end) for ch in _SENTENCE_END) if i >= 0]
    right = min(rights) + 1 if rights else len(body)
    return body[left:right].strip()


def extract_metrics(body: str) -> list[Metric]:
    """Every quantity in an article body, with spans into `body`."""
    lex = load_lexicon("metrics")
    protected = _protected_spans(body)
    out: list[Metric] = []
    for m in _pattern().finditer(body):
        start = m.start("pre") if m.group("pre") and m.group("pre") not in lex["not_qualifiers"] else m.start("num")
        end = m.end()
        if any(a <= m.start("num") < b for a, b in protected) or _is_date_or_code(body, m):
            continue
        unit = m.group("unit")
        mag = m.group("mag") or ""
        mag2 = m.group("mag2") or ""
        scale = 1.0
        if unit in lex["money"]:
            scale, unit = float(lex["money"][unit]), "元"
        unit = "%" if unit == "％" else unit
        value = read_number(m.group("num") + (mag or mag2))
        value_max = read_number(m.group("num2") + (mag2 or mag)) if m.group("num2") else None
        if value is None:
            continue
        qualifier = m.group("q1") or m.group("q2") or (m.group("pre") if start == m.start("pre") else None)
        out.append(Metric(
            surface=body[start:end], value=value * scale,
            value_max=value_max * scale if value_max is not None else None,
            unit=unit, qualifier=qualifier, subject=_subject(body, start, end),
            sentence=_sentence(body, start, end), span_start=start, span_end=end,
        ))
    return out
