"""Segmentation and headline rules, each on a small page written here."""
import pytest

from transforms.errors import PageParseError
from transforms.page import parse_page
from transforms.text import decode_page

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


# ---------------------------------------------------------------- bylines, signatures and credits

def test_a_byline_on_a_line_of_its_own_starts_a_feature_and_letter_spaced_names_are_joined():
    (story,) = articles("通讯员 周小川 贺 敏", "近日，万州区政协组织委员走访企业，共收集意见建议",
                        "36 条，推动一批问题得到解决，企业家们纷纷点赞。")
    assert story["kind"] == "feature" and story["correspondents"] == ["周小川", "贺敏"]


@pytest.mark.parametrize("line, role, names", [
    ("□ 李海清", "authors", ["李海清"]),
    ("见习记者 孙立", "reporters", ["孙立"]),
    ("特约记者 钱多多", "reporters", ["钱多多"]),
    ("□ 作者 赵一鸣", "authors", ["赵一鸣"]),
    ("本报记者 冯远 通讯员 陈思", "correspondents", ["陈思"]),
])
def test_byline_lines_with_and_without_a_box(line, role, names):
    (story,) = articles(line, "近日，万州区政协组织委员走访企业，共收集意见建议",
                        "36 条，推动一批问题得到解决，企业家们纷纷点赞。")
    assert story["kind"] == "feature" and story[role] == names


@pytest.mark.parametrize("signature, role, names", [
    ("（刘 宁）", "authors", ["刘宁"]),
    ("（熊 波 夏朝燕）", "authors", ["熊波", "夏朝燕"]),
    ("（记者 黄笛森 见习记者 程颖）", "reporters", ["黄笛森", "程颖"]),
])
def test_signatures_letter_spaced_or_with_roles(signature, role, names):
    (brief,) = articles("本报讯 近日，万州区政协召开常委会议，协商年度重点", f"项目和民生实事。{signature}")
    assert brief["kind"] == "brief" and brief[role] == names and not brief["body"].endswith("）")


def test_interview_questions_are_text_not_bylines():
    (story,) = articles("□ 记者 田野", "记者：委员工作室建得怎么样？",
                        "钟山：我们在全区建成了二十个委员工作室，委员们轮流值守，", "群众的诉求有人听、有人办。")
    assert story["reporters"] == ["田野"] and story["body"].startswith("记者：委员工作室")


def test_a_full_media_reporter():
    (story,) = articles("本报讯（全媒体记者 朱小鹭）近日，万州区政协召开协商会，", "委员们建言献策。")
    assert story["reporters"] == ["朱小鹭"]


@pytest.mark.parametrize("credit, names", [("王京生 摄影报道", ["王京生"]), ("王京生 摄影", ["王京生"]),
                                           ("本报记者 王京生 摄", ["王京生"])])
def test_photo_credits(credit, names):
    (photo,) = articles("近日，万州区政协委员来到水库工地，察看工程", "建设进展。图为委员们在工地考察。", credit)
    assert photo["kind"] == "photo" and photo["photographers"] == names


def test_a_titled_photo_story_credited_to_a_writer_and_a_photographer():
    rows = articles(*FEATURE, "花园村的新面貌", "4月10日，铜梁区东城街道花园村，一群志愿者忙个",
                    "不停：清扫垃圾、拔除杂草，只为让村子更美。", "乡村之美，正由内而外绽放。", "文博/文 凌强/图")
    feature, photo = rows
    assert feature["kind"] == "feature" and "花园村" not in feature["body"]
    assert photo["kind"] == "photo" and photo["headline"] == "花园村的新面貌"
    assert (photo["authors"], photo["photographers"]) == (["文博"], ["凌强"])


# ---------------------------------------------------------------- items, lists, titles

def test_district_items_are_briefs_of_their_label_even_unsigned_and_the_label_is_no_headline():
    rows = articles("● 城口县 ●", "11月1日，县政协副主席带队调研委员工作室，要求把", "履职阵地建好用好。 （冉明）",
                    "● 璧山区 ●", "5月30日，璧山区政协一行赴九龙坡区政协学习提案", "工作，九龙坡区政协介绍了经验。",
                    "● 开州区 ●", "开州区政协近日组织委员走进乡村，开展送科技活动。")
    assert [(r["kind"], r["district_name"], r["headline"]) for r in rows] == [
        ("brief", "城口县", None), ("brief", "璧山区", None), ("brief", "开州区", None)]
    assert rows[0]["authors"] == ["冉明"] and rows[2]["authors"] == []


def test_list_lines_are_paragraphs_of_the_story():
    (story,) = articles("本报讯（记者 费明）近日，记者从黔江区政协提案委了解到，共交来提案 203", "件。其中：",
                        "■ 委员提案 163 件，占 80.3%", "■ 集体提案 40 件，占 19.7%", "办理结果：",
                        "■ 已解决 91 件，占 51.4%", "另有 4 件未立案的提案已转交相关部门。")
    assert story["kind"] == "news" and story["body"].count("\n") == 5
    assert "委员提案163件，占80.3%" in story["body"] and "■" not in story["body"]


def test_a_subtitle_after_the_title_is_the_kicker():
    (story,) = parse_page(page(" 区 县", "果农吃下“定心丸”", "——万州区政协现场办理1号提案", "通讯员 周小川",
                               "近日，万州区政协组织委员走访果园，共收集意见建议", "36 条，推动一批问题得到解决。"),
                          "p.txt", SHA).articles
    assert (story["headline"], story["kicker"]) == ("果农吃下“定心丸”", "万州区政协现场办理1号提案")


def test_a_page_without_a_banner_takes_no_headline_as_its_theme():
    rows = parse_page(page(" 区 县", "果农吃下“定心丸”", "——万州区政协现场办理1号提案", "通讯员 周小川",
                           "近日，万州区政协组织委员走访果园，共收集意见建议", "36 条，推动一批问题得到解决。"),
                      "p.txt", SHA)
    assert rows.issues[0]["theme"] is None


STORY_A = ["本报讯（记者 刘小艳）近日，九龙坡区政协组织委员走进老旧小区，围绕城市更",
           "新协商议事，委员们提出的建议被有关部门采纳，群众的获得感不断增强，老街区",
           "焕发新活力，不少游客前来打卡。"]
STORY_B = ["□ 李海清", "石柱县位于重庆东部，近年来凭着康养产业逐渐被外界熟知，该县政协",
           "积极建言，推动康养产业发展，成效明显，群众得到实惠，游客纷纷来访。"]


def test_headlines_after_one_story_and_before_the_next_are_told_from_the_text():
    rows = articles(*STORY_A, "九龙坡区政协助力城市更新", "老街区焕发新活力", "石柱县政协助推康养产业发展",
                    "“转型康养”里的政协力量", *STORY_B)
    assert [(r["headline"], r["kicker"]) for r in rows] == [
        ("老街区焕发新活力", "九龙坡区政协助力城市更新"), ("“转型康养”里的政协力量", "石柱县政协助推康养产业发展")]


def test_a_one_word_headline_and_a_district_prefix():
    rows = articles(*STORY_A, "九龙坡", "石柱：康养产业成效明显", *STORY_B)
    assert [r["headline"] for r in rows] == ["九龙坡", "石柱：康养产业成效明显"]


WIDE = ["委员们说，要聚焦群众关切，把调研成果转化为务实管用的意见建议，推动问题解决。",
        "区政协将持续跟踪问效，推动更多协商成果落地见效，让群众有实实在在的获得感。"]


def test_a_brief_printed_inside_a_longer_story_leaves_the_story_whole_with_its_subhead():
    rows = articles("□ 本报记者 程小颖", "“驯养一些食藻虫，水体透明度就能提上来。”近日，市政协采访团",
                    "来到永川区兴龙湖，正碰上区政协委员和企业负责人一起商量下一",
                    "步怎样构建水生态。", "璧山：协商督办职业教育提案", "本报讯 7 月 13 日，璧山区政协召开",
                    "提案督办协商座谈会，区政府副区长", "到会听取意见。 （柯昌明）", "“一河段一委员”换来河清水畅",
                    "采访那天，站在兴龙湖畔，只见湖水清可见底，水草随波轻摆，不时",
                    "有白鹭落在岸边，周边居民都说如今的兴龙湖是一处好去处。")
    feature, brief = rows
    assert feature["subheads"] == ["“一河段一委员”换来河清水畅"] and feature["body"].endswith("好去处。")
    assert brief["kind"] == "brief" and brief["headline"] == "璧山：协商督办职业教育提案"


def test_a_caption_printed_before_its_story_takes_the_story_s_district():
    rows = articles("社区食堂一角设有社情民意信息收", "集点，居民扫码即可提建议。", "刘小艳 摄", *STORY_A)
    photo, story = rows
    assert photo["kind"] == "photo" and photo["district_name"] == "九龙坡区" == story["district_name"]


def test_a_credit_right_after_a_story_splits_off_its_caption():
    rows = articles(*STORY_A, "村民正在分拣花生，一派丰收景象，委员们察看了收购", "点的运行情况。", "张三丰 摄")
    story, photo = rows
    assert story["kind"] == "news" and story["body"].endswith("打卡。")
    assert photo["kind"] == "photo" and photo["body"].startswith("村民正在分拣")


def test_a_column_label_gathers_only_the_items_printed_after_it():
    rows = articles("本报讯 近日，万州区政协召开常委会议，协商年度重点", "项目和民生实事。 （王明）", "区县快递",
                    "本报讯 近日，城口县政协召开常委会议，协商年度重点", "项目和民生实事。 （李亮）")
    assert [r["column_name"] for r in rows] == [None, "区县快递"]


# Lines of a host story 24 cells wide, and of a brief 18 cells wide printed inside it.
HOST = ["乡村振兴路上的政协力量", "——南川区政协委员深入田间地头开展协商",
        "近日，南川区政协组织委员走进大观镇的茶叶基地，围绕茶",
        "产业发展开展协商，委员们和茶农坐在田埂上交流想法，现场",
        "气氛十分热烈。"]
INSERT = ["本报讯 近日，涪陵区政协副主席率队", "到该区卫生健康委开展走访调研，围绕", "区域医疗中心建设提出意见建议。 （裴小慧）",
          "涪陵：助力卫生健康事业发展"]
HOST_REST = ["在大观镇的茶园里，委员们看到茶农用手机就能查看土壤墒情和",
             "病虫害情况，大家纷纷表示，科技让茶产业插上了腾飞的翅膀。"]


def test_an_insert_with_its_headline_after_it_leaves_the_host_its_subhead_printed_right_after():
    rows = articles(*HOST, *INSERT, "深耕产业“试验田”：从技术到全链", *HOST_REST)
    host, insert = rows
    assert host["subheads"] == ["深耕产业“试验田”：从技术到全链"] and host["body"].endswith("腾飞的翅膀。")
    assert (host["headline"], host["kicker"]) == ("乡村振兴路上的政协力量", "南川区政协委员深入田间地头开展协商")
    assert insert["kind"] == "brief" and insert["headline"] == "涪陵：助力卫生健康事业发展"


def test_a_story_with_subheads_and_no_byline_is_a_feature():
    host, _ = articles(*HOST, *INSERT, "深耕产业“试验田”：从技术到全链", *HOST_REST)
    assert host["kind"] == "feature"


def test_a_two_part_title_short_of_its_column_is_a_title_not_a_paragraph():
    (story,) = articles("□ 作者 彭小军", *HOST[2:], "成效：从单点突破到全市共享再到全域推广复制经验", *HOST_REST)
    assert story["subheads"] == ["成效：从单点突破到全市共享再到全域推广复制经验"]


def test_a_subhead_followed_by_a_one_line_paragraph_is_still_a_subhead():
    (story,) = articles("□ 作者 彭小军", *HOST[2:], "协商建言 共绘乡村新蓝图", "“通过这次协商，茶产业发展的思路更清晰了……”",
                        *HOST_REST)
    assert story["subheads"] == ["协商建言 共绘乡村新蓝图"] and "“通过这次协商" in story["body"]


def test_the_pages_read_the_same_in_either_encoding(shared):
    """A GB18030 page loses no headline its UTF-8 twin keeps, and the other way round."""
    def read(raw: bytes, name: str):
        return [(a["kind"], a["headline"], a["kicker"], a["body"]) for a in parse_page(decode_page(raw), name, SHA).articles]

    pages = [p for folder in ("dev", "dev-real", "samples") for p in sorted((shared / folder / "inbox").glob("*.txt"))]
    for path in pages:
        raw, text = path.read_bytes(), decode_page(path.read_bytes())
        for encoding in ("utf-8", "gb18030"):
            assert read(text.encode(encoding), path.name) == read(raw, path.name), (path.name, encoding)


def test_a_title_line_ending_with_a_dash_is_the_kicker_of_the_line_below_it():
    rows = articles(*STORY_A, "九龙坡：老街区焕发新活力", "“老委员”献计——", "康养产业里的政协力量", *STORY_B)
    assert [(r["headline"], r["kicker"]) for r in rows] == [("九龙坡：老街区焕发新活力", None),
                                                            ("康养产业里的政协力量", "“老委员”献计")]


# A feature 30 cells wide, and a brief 17 wide printed inside it with its signature on a line of its own and
# its headline after it; the feature resumes with a plain paragraph (no subhead).
TEA = ["茶山深处的协商声", "——巫山县政协委员助力茶产业提质增效", "□ 本报记者 张晓东",
       "初冬时节，巫山县政协组织委员来到骡坪镇的茶叶基地，和茶农",
       "一起围绕品牌打造、销售渠道拓展等话题展开协商，现场气氛热",
       "烈，大家你一言我一语，提出了不少好点子。"]
WETLAND = ["区县快递", "本报讯 近日，大足区政协组织委员", "走进龙水湖畔，就湿地保护开展专题", "视察，提出意见建议 12 条。",
           "（陈小凤）", "大足：视察湿地保护工作"]
TEA_REST = ["在茶叶加工车间里，委员们仔细察看了生产流程，详细询问了企业",
            "的订单情况和用工需求，并就如何打响巫山茶品牌提出建议。"]


def test_a_story_resumes_with_a_plain_paragraph_after_an_insert_and_its_headline():
    host, insert = articles(*TEA, *WETLAND, *TEA_REST)
    assert host["body"].endswith("提出建议。") and "大足" not in host["body"]
    assert (host["headline"], host["kicker"]) == ("茶山深处的协商声", "巫山县政协委员助力茶产业提质增效")
    assert (insert["kind"], insert["column_name"], insert["headline"]) == ("brief", "区县快递", "大足：视察湿地保护工作")


def test_after_an_insert_and_its_headline_a_signed_item_of_the_host_s_width_is_no_resumption():
    rows = articles(*TEA, *WETLAND, "本报讯 近日，巫山县政协召开主席会议，研究部署全年重点工作任务。",
                    "会议强调，要聚焦中心大局，扎实做好各项工作。 （李小红）")
    assert [r["kind"] for r in rows] == ["feature", "brief", "brief"]


def test_a_kicker_ending_with_a_dash_right_after_the_section_line_is_no_banner():
    rows = parse_page(page(" 区 县", "聚焦民生实事——", "梁平区政协协商推进人居环境整治",
                           "本报讯（记者 李小青）近日，梁平区政协组织部分委员开展专题视察，实地察",
                           "看了多个乡镇的人居环境整治情况，并召开座谈会听取情况汇报。"), "p.txt", SHA)
    assert rows.issues[0]["theme"] is None
    (story,) = rows.articles
    assert (story["headline"], story["kicker"]) == ("梁平区政协协商推进人居环境整治", "聚焦民生实事")


LIANGPING = ["本报讯（记者 李小青）近日，梁平区政协组织部分委员开展专题视察，实地察",
             "看了多个乡镇的人居环境整治情况，并召开座谈会听取情况汇报。"]


@pytest.mark.parametrize("title_lines, headline, kicker", [
    (["梁平：人居环境整治见实效", "——委员助力乡村振兴见闻"], "梁平：人居环境整治见实效", "委员助力乡村振兴见闻"),
    (["梁平区政协助力乡村振兴", "小小竹编撑起大产业"], "小小竹编撑起大产业", "梁平区政协助力乡村振兴"),
    (["履职为民——", "梁平区政协委员走进田间地头"], "梁平区政协委员走进田间地头", "履职为民"),
    (["梁平：人居环境整治见实效", "委员履职助力乡村振兴"], "梁平：人居环境整治见实效", "委员履职助力乡村振兴"),
], ids=["district-title-and-subtitle", "district-kicker-above", "dash-kicker-naming-no-district",
        "district-title-and-a-plain-line-below"])
def test_which_headline_line_is_the_main_title(title_lines, headline, kicker):
    (story,) = articles(*title_lines, *LIANGPING)
    assert (story["headline"], story["kicker"]) == (headline, kicker)


def test_a_subhead_whose_text_ends_in_a_caption_of_another_width_is_still_the_story_s():
    """A story 25 cells wide, its subhead, paragraphs 24 wide, then a caption 28 wide printed after the story
    with its credit (within the slack of the story's widest line, not of the text after the subhead): the
    subhead stays the story's, the caption is a photo of its own."""
    rows = articles("□ 本报记者 张晓东", "初冬时节，巫山县政协组织委员来到骡坪镇的茶叶基地，",
                    "和茶农一起围绕品牌打造、销售渠道拓展等话题展开协商。", "品牌建设见实效",
                    "在茶叶加工车间，委员们仔细察看了生产流程和工艺，", "并就如何打响巫山茶品牌提出建议。",
                    "委员们表示，将持续关注茶产业发展，推动各项举措落", "地见效。",
                    "近日，委员们一起深入茶园察看春茶长势，并与茶农交流种植经", "验，了解今年春茶的产量和销售情况。",
                    "李小红 摄")
    assert [(r["kind"], r["subheads"]) for r in rows] == [("feature", ["品牌建设见实效"]), ("photo", [])]
