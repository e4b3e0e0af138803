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
])
def test_not_metrics(body):
    assert extract_metrics(body) == []


def test_subject_and_sentence():
    m = one("调研组走访企业。对全区124家委员企业进行走访。")
    assert m.subject.startswith("委员企业")
    assert m.sentence == "对全区124家委员企业进行走访。"
