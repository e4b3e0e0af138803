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
    assert estimate_issue_date([text]) == date(2025, 9, 23)


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


def test_a_cut_off_is_no_event_but_dates_the_page():
    body = "截至8月30日，已办结11件。"
    assert first_event_date(body, 2025) is None
    assert first_event_date("截至8月30日，已办结11件。9月2日召开督办会。", 2025) == date(2025, 9, 2)
    assert estimate_issue_date(["7月24日，委员们开展视察。", "截至2025年8月，已开展活动39场。"]) == date(2025, 8, 1)


def test_a_date_looked_forward_to_is_no_event():
    assert first_event_date("论坛将于10月8日开幕。9月20日召开筹备会。", 2025) == date(2025, 9, 20)


def test_an_event_after_the_issue_date_is_of_the_year_before():
    assert first_event_date("12月18日，区政协举行常委会会议。", 2025, date(2025, 1, 21)) == date(2024, 12, 18)


@pytest.mark.parametrize("text, year", [
    pytest.param("重庆市于2021年正式启动林带建设，9月11日委员们开展视察。", 2022, id="a-start-in-passing"),
    pytest.param("自2019年以来，委员们持续关注。", 2020, id="since"),
    pytest.param("2018年实现收入约7700多万元。4月10日召开现场会。", 2019, id="a-year-done"),
    pytest.param("自2019年以来，委员们围绕十四五规划和党的二十大精神建言。", 2022, id="named-periods"),
    pytest.param("2023年，该区获评示范区。", 2023, id="looked-back-on"),
    pytest.param("委员们围绕十四五规划建言。", None, id="a-period-alone-dates-nothing"),
])
def test_the_year_of_a_text(text, year):
    from transforms.dates import estimate_year

    assert estimate_year(text) == year


def test_the_stories_of_one_page_are_from_the_same_weeks():
    """A story dated 2023 anchors the page; a month-day months after it is of another year's story."""
    stories = ["2022年，该计划遴选80个基层组织。9月4日发出倡议。", "5月17日，两地召开座谈会，就2023年合作方案交流。"]
    assert estimate_issue_date(stories) == date(2023, 5, 17)
    same_weeks = ["5月20日，委员们视察。2025年1月，应用上线。", "5月23日，区政协召开常委会。"]
    assert estimate_issue_date(same_weeks) == date(2025, 5, 23)


def test_a_page_no_year_dates_has_no_issue_date():
    assert estimate_issue_date(["10月5日傍晚，市民来到湖边健身。", "7月2日，调研组赴长寿区调研。"]) is None


@pytest.mark.parametrize("text, year", [
    pytest.param("与2019年相比，村民收入翻了一番。", 2020, id="comparison-base-yu-xiangbi"),
    pytest.param("全县茶叶产量较2020年增长15%。", 2021, id="comparison-base-jiao"),
    pytest.param("该村2018年以前是贫困村，如今大变样。", 2019, id="before-yiqian"),
    pytest.param("对标2035年远景目标谋划发展。2024年，全区新增企业100家。", 2024, id="a-goal-year-looked-forward-to"),
    pytest.param("2024年，全区新增企业100家，为实现2035年目标打下基础。", 2024, id="a-goal-year-after-a-past-one"),
    pytest.param("早在2015年，该村就开始种植茶叶。", 2016, id="zaozai-a-start"),
])
def test_years_in_passing_are_not_the_texts_year(text, year):
    from transforms.dates import estimate_year

    assert estimate_year(text) == year


@pytest.mark.parametrize("body, issue, expected", [
    pytest.param("本报讯 12月28日至29日，县政协组织委员视察。", date(2025, 1, 15), date(2024, 12, 28), id="range-after-issue"),
    pytest.param("11月30日，委员们走访企业。", date(2025, 2, 3), date(2024, 11, 30), id="november-on-a-february-page"),
    pytest.param("1月5日，委员们开展调研；1月10日，召开协商会。", date(2025, 1, 15), date(2025, 1, 5), id="first-wins"),
    pytest.param("截止到11月30日，共收到提案300件。1月10日，举行座谈会。", date(2025, 1, 15), date(2025, 1, 10),
                 id="jiezhidao-cut-off"),
    pytest.param("会议定于1月20日召开。1月7日，区政协召开预备会。", date(2025, 1, 15), date(2025, 1, 7), id="dingyu-forward"),
])
def test_event_dates_on_varied_sentences(body, issue, expected):
    assert first_event_date(body, issue.year, issue) == expected
