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


def test_a_year_is_looked_forward_to_by_any_cue_of_its_clause():
    from transforms.dates import estimate_year

    text = "2025年，医院开工。新院区预计今年底建成、2027年6月正式开诊。"
    assert estimate_year(text) == 2026, "2027 is looked forward to: the page is from the year before"


@pytest.mark.parametrize("text, year", [("今年以来", 2025), ("明年将建成", 2026), ("年内完工", 2025),
                                        ("去年底", 2024), ("前年", 2023), ("没有年份", None)])
def test_relative_years_come_from_the_general_list(text, year):
    from transforms.dates import relative_year

    assert relative_year(text, 2025) == year


def test_an_event_date_in_a_relative_year():
    assert first_event_date("明年3月5日开幕。", 2025) == date(2026, 3, 5)


def test_a_dated_archive_folder_gives_the_date_and_the_file_name_wins():
    assert date_from_filename("2025/05/27_p4.txt") == date(2025, 5, 27)
    assert date_from_filename("2025/05/2025-01-01_p4.txt") == date(2025, 1, 1)
