"""Reading the value of a number as written: `7万余` -> 70000, `二百三十` -> 230, `36.57亿元` -> 3657000000.

cn2an reads plain Chinese numerals; this module wraps it for what its smart mode rejects on its own
(qualifiers 余/约, 万亿, `1,234万`, 百分之…, fractions, traditional characters, letter spacing) and
falls back to a small reader of mixed Arabic/Chinese numerals. Magnitudes (万/亿) are resolved here
and nowhere else.
"""
from __future__ import annotations

import math
import re
import unicodedata

import cn2an

# Chinese numerals, written once: the digits one to nine in order, and every character of a common numeral.
NONZERO_DIGITS = "一二三四五六七八九"
UNIT_NUMERALS = "十百千万亿"
CHINESE_NUMERALS = "零〇两" + NONZERO_DIGITS + UNIT_NUMERALS
DIGITS = {"零": 0, "〇": 0, "○": 0, "两": 2, **{ch: n for n, ch in enumerate(NONZERO_DIGITS, start=1)},
          **{ch: n for n, ch in enumerate("壹贰叁肆伍陆柒捌玖", start=1)}}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10**4, "亿": 10**8, "兆": 10**12}
# Magnitudes a quantity writes after its number (`2.5万亩`, `7千余人`, `3万亿元`); read_number scales them.
MAGNITUDES = ("万亿", "亿", "万", "千")
LATIN_SUFFIXES = {"k": 10**3, "K": 10**3, "M": 10**6, "B": 10**9}
TRADITIONAL = str.maketrans({"萬": "万", "億": "亿", "兩": "两", "倆": "两", "貳": "贰", "參": "叁", "陸": "陆",
                             "點": "点", "負": "负", "幾": "几", "個": "个", "又": "又", "廿": "廿", "對": "对"})
# `X分之Y` read as a number of percent: 千分之一 -> 0.1, 万分之三 -> 0.03, 百万分之五 -> 0.0005.
PER_DENOMINATOR = {"百": 1.0, "千": 0.1, "万": 0.01, "百万": 1e-4, "千万": 1e-5, "万万": 1e-6, "亿": 1e-6}
# 成 and 折 count tenths: 三成 -> 30 %, 七成六 -> 76 %, 九折 -> 90 %; 对折 and 半折 are half.
TENTHS = "成折"
WHOLE_HALF = {"对折": 50.0, "半折": 50.0}
# Words around a number that do not change its value.
FILLERS = "余多几来左右约近超逾达第等于大小不到足过以上下至少最共计"
NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS) + "点负廿"
_CORE = re.compile(rf"[-+−负]?(?:[0-9.]|[{NUMERAL_CHARS}]|分之|又)+")


def clean_surface(surface: str) -> str:
    """Full-width to ASCII, traditional to simplified, spaces and thousands separators removed."""
    text = unicodedata.normalize("NFKC", surface).translate(TRADITIONAL)
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"(?<=\d)[,，](?=\d{3})", "", text)
    return text.replace("．", ".")


_NUMERAL = rf"[0-9{NUMERAL_CHARS}]"
_MIXED_FRACTION = re.compile(r"^([-+]?\d+)\s+(\d+)\s*/\s*(\d+)$")
_ARABIC = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(?:\^([-+]*)(\d+(?:\.\d+)?)|/(\d+))?$", re.I)
_MONEY = re.compile(r"^(.+?)(?:元|块|美元)(?:又)?(?:(.+?)(?:角|毛))?(?:(.+?)(?:美分|分))?$")
MEASURE_PREFIXED = "米克瓦卡字比赫"   # 千米, 千克, 千瓦, 兆字节: 千/兆 belong to the unit, not the number


def read_number(surface: str) -> float | None:
    """The value of the quantity written in `surface`, or None when it holds no number.

    Percent forms give the number of percent (`百分之6` -> 6.0, `5.9%` -> 5.9); qualifiers (余, 多, 约)
    and units around the number are ignored (`7万余名` -> 70000). A number too large for a float (`1e400`,
    three hundred 一) is no number: None, never inf or an error."""
    try:
        value = _read_number(surface)
    except OverflowError:
        return None
    return value if value is None or math.isfinite(value) else None


def _read_number(surface: str) -> float | None:
    spaced = unicodedata.normalize("NFKC", surface).strip()
    if m := _MIXED_FRACTION.match(spaced):
        whole, num, den = (int(g) for g in m.groups())
        return float(whole + (num / den if whole >= 0 else -num / den)) if den else None
    text = clean_surface(surface)
    if not text:
        return None
    if m := _ARABIC.match(text):
        return _read_arabic(*m.groups())
    if (percent := _read_percent(text.replace("仟", "千").replace("佰", "百"))) is not None:
        return percent
    text = text.replace("廿", "二十").replace("万万", "亿")
    text = re.sub(rf"(?<={_NUMERAL})[余多几来](?={_NUMERAL})", "", text)
    text = re.sub(f"[千兆](?=[{MEASURE_PREFIXED}])", "", text)
    if text in BIG_UNITS or text in SMALL_UNITS:      # a magnitude on its own: 近万元, 百余家
        return float({**BIG_UNITS, **SMALL_UNITS}[text])
    if m := re.fullmatch(r"半([百千万亿])", text):
        return 0.5 * {"百": 100, "千": 1000, "万": 10**4, "亿": 10**8}[m.group(1)]
    if (m := _MONEY.match(text)) and (m.group(2) or m.group(3)):
        parts = [read_number(g) if g else 0.0 for g in m.groups()]
        return None if None in parts else parts[0] + parts[1] / 10 + parts[2] / 100
    core = max(_CORE.findall(text), key=len, default="")
    core = core.rstrip(".") if core.startswith(".") else core.strip(".")
    if len(core) > 1 and core.endswith("两") and core[-2] in "".join(SMALL_UNITS) + "".join(BIG_UNITS) + "0123456789十" + NONZERO_DIGITS:
        core = core[:-1]      # 两 after a number is the weight unit (三十两)
    if not core or not re.search(rf"[0-9{''.join(DIGITS)}{''.join(SMALL_UNITS)}]", core):
        return None
    tail = text[text.find(core) + len(core):]
    value = _read_core(core)
    if value is None:
        return None
    if tail[:1] in LATIN_SUFFIXES and not (tail[1:2].isascii() and tail[1:2].isalpha()):
        value *= LATIN_SUFFIXES[tail[0]]
    elif tail.startswith("打"):
        value *= 12
    elif re.match(r"^[^\d半]?半", tail):
        value += 0.5
    return float(value)


def _read_percent(text: str) -> float | None:
    """Percent written as 千分之…, 万分之…, X成, X折 (百分之 too): the number of percent, else None."""
    if m := re.fullmatch(r"(百|千|万|百万|千万|万万|亿)分之(.+)", text):
        value = read_number(m.group(2))
        return None if value is None else value * PER_DENOMINATOR[m.group(1)]
    if text in WHOLE_HALF:
        return WHOLE_HALF[text]
    if m := re.fullmatch(rf"(.*?)([{TENTHS}])(.*)", text):
        whole, kind, rest = m.groups()
        if whole == "半" and not rest:
            return 5.0
        digits = "".join(str(DIGITS[c]) if c in DIGITS else c for c in whole)
        if kind == "折" and not rest and re.fullmatch(r"[1-9][0-9]", digits) and digits != "10":
            return float(digits)          # 七五折, 75折: two digits are already the percent
        tenths = read_number(whole) if whole else None
        if tenths is None:
            return None
        if rest == "半":
            tenths += 0.5
        elif rest:
            extra = read_number(rest)
            if extra is None or extra >= 10:
                return None
            tenths += extra / 10
        return tenths * 10
    return None


def _read_arabic(number: str, power_sign: str | None, power: str | None, denominator: str | None) -> float | None:
    value = float(number)
    if power is not None:
        exponent = float(power) * (-1 if power_sign.count("-") % 2 else 1)
        return abs(value) ** exponent * (-1 if value < 0 else 1)
    if denominator is not None:
        return value / float(denominator) if float(denominator) else None
    return value


def _read_core(core: str) -> float | None:
    negative = core[0] in "-−负"
    core = core.lstrip("-+−负")
    if "又" in core:
        whole, _, frac = core.partition("又")
        parts = [_read_core(whole), _read_core(frac)]
        return None if None in parts else _sign(negative, parts[0] + parts[1])
    if "分之" in core:
        denominator, _, numerator = core.partition("分之")
        den, num = _read_core(denominator), _read_core(numerator)
        return None if not den or num is None else _sign(negative, num / den)
    try:
        return _sign(negative, float(core))
    except ValueError:
        pass
    try:
        return _sign(negative, float(cn2an.cn2an(core, "smart")))
    except (ValueError, KeyError, TypeError, IndexError):
        return _sign(negative, _read_mixed(core))


def _sign(negative: bool, value: float | None) -> float | None:
    return None if value is None else (-value if negative else value)


def _read_mixed(core: str) -> float | None:
    """Arabic and Chinese digits with 十百千万亿兆 units, e.g. `5亿1万4千6百`, `一百万零四`, `四百五`."""
    total = 0.0          # everything above the current big-unit section
    section = 0.0        # the current section below 万
    number: float | None = None
    last_small = 0       # the last small unit, for the spoken shorthand 四百五 = 450
    after_zero = False
    last_big = 0
    i = 0
    while i < len(core):
        ch = core[i]
        if ch.isdigit() or ch == ".":
            m = re.match(r"[0-9]*\.?[0-9]*", core[i:])
            number = float(m.group()) if m.group() not in ("", ".") else 0.0
            i += len(m.group())
            continue
        if ch == "点":
            m = re.match(f"[{''.join(DIGITS)}0-9]+", core[i + 1:])
            if m:
                frac = "".join(str(DIGITS.get(c, c)) for c in m.group())
                number = (number or 0) + float("0." + frac)
                i += 1 + len(m.group())
                continue
        elif ch in DIGITS:
            digit = DIGITS[ch]
            after_zero = after_zero or digit == 0
            number = digit if number is None or last_small else number * 10 + digit
            if digit == 0:
                number = None
        elif ch in SMALL_UNITS:
            section += (number if number is not None else 1) * SMALL_UNITS[ch]
            number, last_small, after_zero = None, SMALL_UNITS[ch], False
        elif ch in BIG_UNITS:
            unit = BIG_UNITS[ch]
            section += number or 0
            if last_big and unit > last_big:
                total = (total + section) * unit
            else:
                total += section * unit
            section, number, last_small, last_big, after_zero = 0, None, 0, unit, False
        else:
            return None
        i += 1
    if number is not None:
        if last_small >= 100 and not after_zero and number < 10:
            number *= last_small // 10
        section += number
    return total + section
