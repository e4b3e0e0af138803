"""Segmentation and headline rules, each on a small page written here."""
from transforms.errors import PageParseError
from transforms.page import parse_page

import pytest

SHA = "a" * 64


def page(*lines: str) -> str:
    """Lines as the extraction prints them: a blank line after every line."""
    return "\n\n".join(lines) + "\n\n"


def articles(*lines: str):
    return parse_page(page(*lines), "p.txt", SHA).articles


FEATURE = [
    "□ 本报记者 王小明 通讯员 李芳 赵强",
    "近日，万州区政协组织委员深入社区走访，了解群众",
    "急难愁盼问题，共收集意见建议 36 条，推动一批问题",
    "得到解决。",
    "走访见实效",
    "委员们表示，将持续关注社区治理，推动各项举措落",
    "地见效，切实增强群众的获得感和幸福感，让更多群",
    "众受益。",
]


def test_feature_byline_subhead_and_headline_after_the_story():
    rows = articles(*FEATURE, "万州区政协走访社区", "倾听民声 解决难题", "本报讯 近日，城口县政协召开协商会，", "聚焦产业发展建言献策。 （周敏）")
    feature = rows[0]
    assert feature["kind"] == "feature"
    assert feature["reporters"] == ["王小明"] and feature["correspondents"] == ["李芳", "赵强"]
    assert feature["subheads"] == ["走访见实效"]
    assert "走访见实效" not in feature["body"]
    assert {feature["headline"], feature["kicker"]} == {"倾听民声 解决难题", "万州区政协走访社区"}
    assert feature["district_name"] == "万州区"


def test_brief_signature_ends_the_item_and_its_prefix_names_the_district():
    rows = articles("区县快递", "秀山：开展民主监督", "本报讯 近日，县政协组织委员开展民主监督，",
                    "推动问题整改落实。 （吴云）", "本报讯（记者 程颖 通讯员 马",
                    "坪）近日，江津区政协召开专题协商会。")
    brief, news = rows
    assert brief["kind"] == "brief" and brief["authors"] == ["吴云"] and brief["column_name"] == "区县快递"
    assert brief["headline"] == "秀山：开展民主监督"
    assert brief["district_name"] == "秀山土家族苗族自治县" and brief["district_code"] == "500241"
    assert news["kind"] == "news" and news["reporters"] == ["程颖"] and news["correspondents"] == ["马坪"]
    assert news["column_name"] is None


def test_photo_caption_ends_with_credit_and_has_no_headline():
    rows = articles("图片新闻", "近年来，垫江县政协持续关注", "农业特色产业发展。", "图 为 该 县 收 购 点 现 场",
                    "村民正在分拣花生。", "张三丰 摄")
    assert len(rows) == 1
    assert rows[0]["kind"] == "photo" and rows[0]["photographers"] == ["张三丰"]
    assert rows[0]["column_name"] == "图片新闻" and rows[0]["headline"] is None
    assert rows[0]["body"].endswith("村民正在分拣花生。")


def test_photo_credit_names_the_photographer():
    rows = articles("近年来，垫江县政协持续关注", "农业特色产业发展。", "龚小浩 摄")
    assert rows[0]["photographers"] == ["龚小浩"]


def test_doubled_column_logo_heads_the_next_story():
    rows = articles("渝事好商量渝事好商量", "本报讯（记者 程颖）近日，秀山县龙池镇", "开展协商活动，共解发展难题。")
    assert rows[0]["column_name"] == "渝事好商量"


def test_orphan_headline_goes_to_the_story_of_its_district():
    rows = articles("本报讯（记者 程颖）近日，渝北区政协召开专题协商会议，", "围绕医疗服务能力建言。",
                    "本报讯（记者 李明）近日，城口县政协开展专题视察，", "助力腊肉产业发展。",
                    "城口：助力老味道出新天地", "渝北：让群众近享优质医疗")
    assert rows[0]["headline"] == "渝北：让群众近享优质医疗"
    assert rows[1]["headline"] == "城口：助力老味道出新天地"


def test_interleaved_brief_becomes_its_own_article_and_the_story_resumes():
    wide = ["本报讯（记者 程颖）近日，荣昌区政协组织部分政协委员深入该区人民医院开展调研，",
            "聚焦医保工作推进实效与数字化改革赋能，委员们通过实地察看与医护人员交流。"]
    narrow = ["本报讯 近日，南川区政协组织调研组", "前往白沙镇开展调研。 （张若澜）"]
    rest = ["委员们还围绕医保基金使用效率、药品集采政策落地实效等关键问题展开详细调研，",
            "全方位梳理掌握医保工作推进中的堵点难点，提出了切实可行的意见建议。"]
    rows = articles(*wide, *narrow, *rest)
    assert [r["kind"] for r in rows] == ["news", "brief"]
    assert rows[0]["body"].endswith("提出了切实可行的意见建议。")
    assert "南川" not in rows[0]["body"]


def test_page_without_articles_is_rejected():
    with pytest.raises(PageParseError, match="no recognisable article"):
        parse_page(page("区 县", "短"), "p.txt", SHA)


def test_header_gives_section_and_theme():
    frames = parse_page(page(" 区 县", "助力“六区一高地”建设", *FEATURE), "2025-05-27_p4.txt", SHA)
    (issue,) = frames.issues
    assert issue["section"] == "区县" and issue["theme"] == "助力“六区一高地”建设"
    assert str(issue["issue_date"]) == "2025-05-27" and issue["issue_date_source"] == "filename"
