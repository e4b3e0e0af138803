from datetime import date

import pytest

from transforms.dates import date_from_filename, estimate_issue_date, first_event_date


@pytest.mark.parametrize("name, expected", [
    ("2025-05-27_p4.txt", date(2025, 5, 27)), ("cqzx_20250527.txt", date(2025, 5, 27)), ("000_5e7cb26.txt", None),
])
def test_date_from_filename(name, expected):
    assert date_from_filename(name) == expected


def test_issue_date_is_the_latest_date_with_the_year_from_context():
    text = "2024年，该区获评示范区。9月17日召开会议。9月23日召开常委会。新院区预计2026年6月开诊。"
    assert estimate_issue_date(text) == date(2025, 9, 23)


def test_event_date_is_the_first_date_in_the_body():
    assert first_event_date("5月20日，委员说道。2024年12月6日发生火情。", 2025) == date(2025, 5, 20)
