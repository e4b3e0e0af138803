"""Hostile pages: each one parses, or is refused with its reason, within a time bound, and never yields a
value that is not a finite, sane number. The shapes: long runs of numerals with and without a unit,
unclosed 《 and “, digit chains, shuffled lines of real-looking text, control and zero-width characters,
mixed scripts and encodings, and pages as large as an inbox file may be (2 MB): the time is linear in the
size, and far below the parse budget (CPPCC_PARSE_BUDGET_SECONDS), which they are parsed under, as a run does:
the budget is for a page no test foresaw, never for a page of these shapes."""
import math
import random
import time

import pytest

from cppcc.generate import generate_page
from cppcc.settings import Settings
from flows.budget import OverBudget, time_budget
from transforms import tokens
from transforms.errors import PageParseError
from transforms.metrics import MAX_VALUE
from transforms.page import parse_page
from transforms.text import decode_page

# CPU seconds (not wall time: other processes share the machine), linear in the page's size: on the 2-core
# development machine the slowest pages of 100,000 characters take about 0.45 s (1,500 stories of bylines
# and titles; 10,000 metrics in one sentence) and 2 MB of page text (700,000 characters, 3,170 stories)
# about 3 s. The bound leaves room for a slower CI machine.
SECONDS_PER_PAGE = 1.0
SECONDS_PER_100K_CHARS = 0.6


DEFAULT_BUDGET = Settings.model_fields["parse_budget_seconds"].default


def bound(text: str) -> float:
    return SECONDS_PER_PAGE + SECONDS_PER_100K_CHARS * len(text) / 100_000
HEAD = " 区 县\n\n本报讯（记者 王明）近日，万州区政协召开协商会议，委员们建言献策。\n\n"


def wrapped(text: str, width: int = 20) -> str:
    """Text cut into printed lines of `width` characters, as the extraction gives a column."""
    return "\n\n".join(text[i:i + width] for i in range(0, len(text), width))


def generated(seed: int) -> str:
    return generate_page(seed).text


def shuffled_lines(seed: int) -> str:
    lines = [line for s in range(seed, seed + 5) for line in generated(s).split("\n") if line.strip()]
    random.Random(seed).shuffle(lines)
    return "\n\n".join(lines)


def sprinkled(text: str, chars: str, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(ch + (rng.choice(chars) if rng.random() < 0.2 else "") for ch in text)


def up_to(text: str, size: int) -> str:
    return (text * (size // len(text) + 1))[:size]


MIXED_SCRIPTS = "Комитет собрался, اللجنة اجتمعت, 委员会召开会议 🙂 Ελληνικά ñandú 한국어 ภาษาไทย "
HOSTILE = {
    "8,000 一 then 。": HEAD + wrapped("一" * 8000) + "。",
    "8,000 一 then a unit": HEAD + wrapped("一" * 8000) + "人。",
    "310 一 then a unit": HEAD + "共有" + "一" * 310 + "人参加。",
    "300 一 then a unit": HEAD + "共有" + "一" * 300 + "人参加。",
    "16 亿 then a unit": HEAD + "共有三" + "亿" * 16 + "元。",
    "40-digit number then a unit": HEAD + "共有" + "9" * 40 + "人参加。",
    "digit chains": HEAD + wrapped(("委员们深入基层走访调研了企业" + "1,2,3,4,5,6,7" + "家，") * 2_000 + "1," * 3_000 + "1人"),
    "100,000 unclosed 《": HEAD + wrapped("《" * 100_000, 40),
    "unclosed 《 and “ with numbers": HEAD + wrapped("《关于3件“5" * 8_000, 30),
    "titles and quotes, closed": HEAD + wrapped("《关于建设的建议》“1530”36人，" * 4_000, 25),
    "many metrics, no sentence end": HEAD + wrapped("委员们走访企业36家群众120人" * 5_000, 24),
    "many years and dates": HEAD + wrapped("2024年3月5日委员们预计到2026年建成" * 3_000, 24),
    "many bylines and titles": HEAD + "\n\n".join(["□ 本报记者 王明", "万州：协商助推乡村振兴", "本报讯（记者 李",
                                                   "芳）近日，万州区政协召开协商会。", "（张三）"] * 1_500),
    "shuffled lines": shuffled_lines(1),
    "control and zero-width characters": sprinkled(generated(2), "\x00\x01\x07\x1b\u200b\u200c\u200d\ufeff\u2028", 2),
    "mixed scripts": sprinkled(generated(3), MIXED_SCRIPTS, 3),
    "100,000 characters of shuffled lines": HEAD + up_to(shuffled_lines(4), 100_000),
    "2 MB of page text": up_to(generated(5), 700_000),
    "2 MB without a line break": HEAD + "委员们走访企业36家，" * 70_000,
}


@pytest.fixture(scope="module", autouse=True)
def warm():
    tokens.warm_up()


def check(text: str) -> tuple[float, str]:
    started = time.process_time()
    try:
        with time_budget(DEFAULT_BUDGET):
            rows = parse_page(text, "hostile.txt", "f" * 64)
    except PageParseError as error:
        return time.process_time() - started, f"refused: {error.reason}"
    except OverBudget:
        pytest.fail(f"over the default parse budget of {DEFAULT_BUDGET:g} s: a run would quarantine it")
    took = time.process_time() - started
    for metric in rows.metrics:
        for value in (metric["value"], metric["value_max"]):
            assert value is None or (math.isfinite(value) and abs(value) <= MAX_VALUE), metric
    return took, f"{len(rows.articles)} articles, {len(rows.metrics)} metrics"


def test_the_slowest_hostile_page_allowed_is_within_the_default_budget():
    """The bound on the slowest page (the largest an inbox may hold, 2 MB: 5.6 CPU seconds allowed, about 2 taken)
    stays under the default budget (CPU seconds too): no page of these shapes is ever quarantined for its time."""
    slowest = max(bound(text) for text in HOSTILE.values())
    assert max(len(text.encode()) for text in HOSTILE.values()) >= 1_900_000
    assert slowest < DEFAULT_BUDGET, f"slowest page allowed {slowest:.1f} s, budget {DEFAULT_BUDGET:g} s"


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_page_parses_or_is_refused_in_time(name):
    took, outcome = check(HOSTILE[name])
    assert took < bound(HOSTILE[name]), f"{name}: {took:.2f} s ({outcome})"


def test_numerals_too_long_for_a_quantity_make_no_metric():
    for name in ("310 一 then a unit", "300 一 then a unit", "16 亿 then a unit", "40-digit number then a unit"):
        rows = parse_page(HOSTILE[name], "x.txt", "f" * 64)
        assert not [m for m in rows.metrics if m["unit"] in ("人", "元")], name


@pytest.mark.parametrize("seed", range(3))
def test_mixed_encodings_decode_or_are_refused(seed):
    text = generated(seed)
    half = len(text) // 2
    raw = text[:half].encode("utf-8") + text[half:].encode("gb18030")
    try:
        decoded = decode_page(raw)
    except PageParseError as error:
        assert error.stage == "decode"
        return
    took, _ = check(decoded)
    assert took < bound(decoded)
