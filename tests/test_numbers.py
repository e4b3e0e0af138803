import json
from collections import Counter

import pytest

from transforms.numbers import read_number


@pytest.mark.parametrize("surface, value", [
    # the examples
    ("7万余", 70000), ("二百三十", 230), ("36.57亿元", 3_657_000_000), ("百分之6", 6), ("１２０", 120),
    # magnitudes and qualifiers
    ("228.64亿元", 22_864_000_000), ("3.5亿", 350_000_000), ("1,234万", 12_340_000), ("约300", 300),
    ("十余万", 100_000), ("2000例以上", 2000), ("5.9%", 5.9),
    # Chinese numerals, mixed and traditional
    ("5亿1万4千6百", 500_014_600), ("一百万零四", 1_000_004), ("四百五", 450), ("兩萬", 20_000),
    ("二分之一", 0.5), ("负0.2", -0.2), ("第三", 3), ("一万亿", 1e12),
])
def test_read_number(surface, value):
    assert read_number(surface) == pytest.approx(value)


@pytest.mark.parametrize("surface", ["", "同比增长", "abc", "——"])
def test_read_number_without_a_number_is_none(surface):
    assert read_number(surface) is None


def test_conformance_suite(shared):
    """Recognizers-Text's Chinese cases with a plain numeric value, fed as input[start:end+1]."""
    total, passed, failures = Counter(), Counter(), []
    for line in (shared / "conformance" / "recognizers_zh_quantities.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        for entity in case["expected"]:
            try:
                expected = float(entity["value"])
            except (TypeError, ValueError):
                continue
            surface = case["input"][entity["start"]:entity["end"] + 1]
            total[case["suite"]] += 1
            got = read_number(surface)
            if got is not None and abs(got - expected) <= 1e-6 * max(1.0, abs(expected)):
                passed[case["suite"]] += 1
            else:
                failures.append(f"{case['suite']}: {surface!r} -> {got} (expected {expected})")
    rate = sum(passed.values()) / sum(total.values())
    assert rate >= 0.95, f"{rate:.1%}; failures: {failures}"
