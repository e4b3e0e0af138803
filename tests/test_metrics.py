import pytest

from transforms.metrics import extract_metrics


def one(body: str):
    found = extract_metrics(body)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("body, value, unit, qualifier", [
    pytest.param("对全区124家委员企业进行走访。", 124, "家", None, id="count"),
    pytest.param("已实现7万余名学生心理建档。", 70000, "名", "余", id="wan-yu"),
    pytest.param("实现地区生产总值228.64亿元。", 22_864_000_000, "元", None, id="money-yi"),
    pytest.param("同比增长5.9%。", 5.9, "%", None, id="percent"),
    pytest.param("累计开展手术2000例以上。", 2000, "例", "以上", id="yishang"),
    pytest.param("由5部门联合承办。", 5, "部门", None, id="noun-unit"),
    pytest.param("城口老腊肉有2500多年历史。", 2500, "年", "多", id="duo-years"),
    pytest.param("开放床位近300张。", 300, "张", "近", id="jin"),
    pytest.param("选派骨干赴江苏进修156人次。", 156, "人次", None, id="longest-unit"),
    # units
    pytest.param("规划用地面积14.06公顷。", 14.06, "公顷", None, id="hectare"),
    pytest.param("收购花椒300公斤。", 300, "公斤", None, id="kilogram"),
    pytest.param("发放雨伞40把。", 40, "把", None, id="ba"),
    pytest.param("开设课程12节。", 12, "节", None, id="jie"),
    pytest.param("开展演出36场次。", 36, "场次", None, id="changci-not-chang"),
    pytest.param("接待考察团148批次。", 148, "批次", None, id="pici"),
    pytest.param("最高气温达38℃。", 38, "℃", None, id="celsius-as-written"),
    pytest.param("累计编印简报23期。", 23, "期", None, id="issues-without-di"),
    # qualifiers
    pytest.param("柑橘每斤卖2元左右。", 2, "元", "左右", id="zuoyou"),
    pytest.param("惠及群众50余万人。", 500_000, "人", "余", id="yu-before-wan"),
    pytest.param("实现收入约7700多万元。", 77_000_000, "元", "多", id="duo-bound-to-the-number"),
    pytest.param("车辆超400辆。", 400, "辆", "超", id="chao"),
    # Chinese numerals
    pytest.param("吸引两千余人参加。", 2000, "人", "余", id="zh-liangqian-yu"),
    pytest.param("走访百余家企业。", 100, "家", "余", id="zh-bai-yu"),
    pytest.param("开展三场宣讲。", 3, "场", None, id="zh-san"),
    pytest.param("组建十余个小组。", 10, "个", "余", id="zh-shi-yu"),
    pytest.param("筹集资金近万元。", 10_000, "元", "近", id="zh-jin-wan"),
    pytest.param("流转土地一千二百亩。", 1200, "亩", None, id="zh-compound"),
])
def test_metric_rules(body, value, unit, qualifier):
    m = one(body)
    assert (m.value, m.unit, m.qualifier) == (pytest.approx(value), unit, qualifier)
    assert body[m.span_start:m.span_end] == m.surface


def test_range_has_value_and_value_max():
    m = one("力争通过3至8年建成。")
    assert (m.value, m.value_max, m.unit) == (3, 8, "年")


@pytest.mark.parametrize("body", [
    "2024年3月上线。", "9月17日召开会议。", "14点19分报警。", "在十五届三次会议上。", "第3批名单。",
    "建设5G工厂。", "“1530”快响机制。", "打造“3+3+N”体系。", "金源御府27栋住户。",
    "提交《关于建设10个工厂的建议》。", "2022年初提交提案。",
    "时间回溯到两年前。", "开展“四送”活动。", "大家一起努力。", "深入一线调研。", "第六组讨论。",
    "二〇二四年开工。", "一件件提案有温度。", "落实“六个迈上新台阶”目标。", "参加区政协六届七次会议。",
])
def test_not_metrics(body):
    assert extract_metrics(body) == []


def test_subject_and_sentence():
    m = one("调研组走访企业。对全区124家委员企业进行走访。")
    assert m.subject.startswith("委员企业")
    assert m.sentence == "对全区124家委员企业进行走访。"


def test_a_range_written_in_chinese_numerals():
    m = one("每户要多花五六万元。")
    assert (m.value, m.value_max, m.unit) == (50_000, 60_000, "元")


def test_a_number_broken_mid_decimal_is_read_whole():
    from transforms.text import join_lines

    m = one(join_lines(["规划用地面积 14", ".06 公顷；"]))
    assert (m.value, m.unit) == (pytest.approx(14.06), "公顷")


@pytest.mark.parametrize("body, subject", [
    ("全区有9名委员参加。", "委员"),
    ("委员提案163件，占80.3%", "委员提案"),
    ("推动解决群众急难问题98个……", "问题"),
])
def test_the_subject_is_what_is_counted_never_punctuation_or_a_neighbour(body, subject):
    got = extract_metrics(body)[0].subject
    assert got.endswith(subject) and not set(got) & set("…，。、“”")
