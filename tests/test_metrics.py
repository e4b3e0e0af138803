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
    "水质稳定保持在Ⅲ类标准。", "实施“一号工程”。", "图为调研现场（右一为委员张三）。", "第一年就见到成效。",
    "15时30分，会议开始。", "纪念建党100周年。", "健康中国2030规划。", "编号为N37的车辆。", "区委十三届五次全会。",
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


@pytest.mark.parametrize("body, surface, subject", [
    # after the number: modifiers, then nouns
    pytest.param("春节前慰问了80名留守儿童。", "80名", "留守儿童", id="verb-modifier-before-the-noun"),
    pytest.param("邀请20余名“老党员”参加座谈。", "20余名", "“老党员”", id="quoted-noun"),
    pytest.param("工作室吸纳了12名市、县人大代表。", "12名", "市、县人大代表", id="listed-modifiers-after"),
    pytest.param("服务网络覆盖全县18个镇（街道）。", "18个", "镇（街道）", id="alternative-in-parentheses"),
    pytest.param("资助这3所学校的15名学生。", "3所", "学校", id="up-to-de"),
    pytest.param("另有3件未立案的提案转交有关部门。", "3件", "未立案", id="negation-opens-it"),
    pytest.param("新建的停车场拥有260个车位。", "260个", "车位", id="jieba-verb-read-as-noun"),
    # before the number, past linking words
    pytest.param("目前全县森林覆盖率达62.5%。", "62.5%", "全县森林覆盖率", id="da"),
    pytest.param("大棚温度始终保持在25℃。", "25℃", "大棚温度", id="baochi-zai"),
    pytest.param("预计全年旅游收入将达8.6亿元。", "8.6亿元", "旅游收入", id="jiang-da"),
    pytest.param("其中女性委员占委员总数的35.2%。", "35.2%", "女性委员占委员总数", id="share-of-a-whole"),
    pytest.param("提案经审查立案150件。", "150件", "立案", id="verb-next-to-the-number"),
    pytest.param("全区省级、市级示范社分别有4个。", "4个", "示范社", id="listed-modifiers-before"),
    pytest.param("游客满意度同比提升5.9%。", "5.9%", "游客满意度", id="a-noun-jieba-takes-for-a-place"),
    pytest.param("全年接待游客120万人次，同比增长8.2%。", "8.2%", "同比增长", id="the-change-is-what-is-told"),
    # from the quantity before, or the clause before
    pytest.param("收到集体提案30件，占25%。", "25%", "集体提案占比", id="share-after-a-count"),
    pytest.param("全区省级、市级示范社分别有4个、9个。", "9个", "示范社", id="a-list-of-figures"),
    pytest.param("委员们来到城郊的湿地公园，方圆120公顷的水面波光粼粼。", "120公顷", "湿地公园",
                 id="clause-before"),
    # what the counted things did
    pytest.param("全县有6人受到表彰。", "6人", "受到表彰", id="people-by-what-they-did"),
    pytest.param("其中80件已办结，20件正在办理。", "20件", "正在办理", id="items-by-their-state"),
    pytest.param("系统能在10分钟内完成处置。", "10分钟", "完成处置", id="done-within-a-span"),
    # a one-character noun
    pytest.param("倡议每人可捐5本书。", "5本", "可捐的书", id="verb-de-noun"),
    pytest.param("大家牢记‘为民’这2个字。", "2个", "字（‘为民’）", id="apposition"),
    pytest.param("本地柑橘在集市上只能卖3元。", "3元", "售价", id="topic-of-the-clause"),
])
def test_subject_rules(body, surface, subject):
    (metric,) = [m for m in extract_metrics(body) if m.surface == surface]
    assert metric.subject == subject


@pytest.mark.parametrize("body", [
    pytest.param("开展百名委员进百村活动。", id="bare-magnitude-in-a-slogan"),
    pytest.param("来到城东的万年社区。", id="bare-magnitude-in-a-name"),
    pytest.param("紧扣四轮驱动战略。", id="set-word-jieba-knows"),
    pytest.param("她是一名基层医生。", id="article-after-a-copula"),
    pytest.param("立志做一名合格的委员。", id="article-after-zuo"),
    pytest.param("这是协商民主的一种重要形式。", id="article-after-de"),
    pytest.param("这两座桥梁方便了群众出行。", id="demonstrative-refers-back"),
    pytest.param("今后一个时期的工作重点。", id="span-of-time-phrase"),
    pytest.param("作为一名政协委员，他始终牵挂群众。", id="article-after-zuowei"),
    pytest.param("争当一名为民履职的好委员。", id="article-after-zhengdang"),
    pytest.param("成为一个有温度的平台。", id="article-yige-after-chengwei"),
    pytest.param("他就是这样一位默默奉献的委员。", id="article-after-zheyang"),
    pytest.param("家住千秋社区的王大爷。", id="qian-in-a-place-name"),
    pytest.param("开展“万名委员助万企”行动。", id="wan-in-a-quoted-slogan"),
    pytest.param("助千企解难题活动持续开展。", id="qian-in-a-bare-slogan"),
    pytest.param("位于万寿镇的合作社。", id="wan-in-a-town-name"),
    pytest.param("千方百计帮助企业。", id="set-idiom"),
    pytest.param("构建“一核两翼”格局。", id="quoted-layout-slogan"),
])
def test_chinese_numerals_that_count_nothing(body):
    assert extract_metrics(body) == []


def test_a_qualified_magnitude_is_still_a_count():
    assert [(m.value, m.qualifier) for m in extract_metrics("走访百余家企业。")] == [(100, "余")]


@pytest.mark.parametrize("body, value, unit, qualifier, subject", [
    pytest.param("为山区孩子捐赠1000双鞋左右。", 1000, "双", "左右", "捐赠的鞋", id="shuang-zuoyou-after-the-noun"),
    pytest.param("向养老院送去牛奶80箱以上。", 80, "箱", "以上", "牛奶", id="xiang-yishang"),
    pytest.param("为群众送去常用药品300盒。", 300, "盒", None, "常用药品", id="he"),
    pytest.param("分发大米600袋左右给困难户。", 600, "袋", "左右", "分发大米", id="dai"),
    pytest.param("新装路灯120盏左右，照亮乡村路。", 120, "盏", "左右", "新装路灯", id="zhan"),
    pytest.param("采购消毒液200瓶以上送往社区。", 200, "瓶", "以上", "采购消毒液", id="ping"),
    pytest.param("为困难户送去300箱慰问品左右。", 300, "箱", "左右", "慰问品", id="xiang-noun-zuoyou"),
    pytest.param("向学校捐赠课桌椅120套以上。", 120, "套", "以上", "课桌椅", id="tao-yishang"),
    pytest.param("帮助村民销售脐橙20万斤左右。", 200_000, "斤", "左右", "帮助村民销售脐橙", id="wan-jin-zuoyou"),
    pytest.param("为老人送去棉鞋300双左右，送去棉被80床。", 300, "双", "左右", "棉鞋", id="noun-before-zuoyou"),
    pytest.param("为老人送去300双棉鞋以上。", 300, "双", "以上", "棉鞋", id="noun-after-yishang"),
])
def test_measure_words_and_a_qualifier_after_the_counted_noun(body, value, unit, qualifier, subject):
    (m,) = [m for m in extract_metrics(body) if m.unit == unit]
    assert (m.value, m.qualifier, m.subject) == (pytest.approx(value), qualifier, subject)


@pytest.mark.parametrize("body, surface, subject", [
    # a verb with 在/到/至 after it links the subject to the number, like 达 or 为
    pytest.param("全区城镇登记失业率控制在3.5%以内。", "3.5%", "失业率", id="kongzhi-zai"),
    pytest.param("蔬菜大棚温度稳定在15℃。", "15℃", "蔬菜大棚温度", id="wending-zai"),
    pytest.param("全县空气优良天数增至320天。", "320天", "全县空气优良天数", id="zeng-zhi"),
    pytest.param("全镇贫困发生率已降至0.5%。", "0.5%", "贫困发生率", id="jiang-zhi"),
    pytest.param("村集体经济收入上升到52万元。", "52万元", "村集体经济收入", id="shangsheng-dao"),
    # a threshold word after the number names no counted thing: the subject stands before it
    pytest.param("园区年产值突破5亿元大关。", "5亿元", "园区年产值", id="daguan"),
    pytest.param("村民人均收入迈上2万元新台阶。", "2万元", "村民人均收入", id="taijie"),
    # a share word alone is the share of what stands before it in the clause
    pytest.param("其中，脱贫户占比达到42%。", "42%", "脱贫户占比", id="zhanbi-after-a-noun-jieba-cuts"),
    # a one-character word jieba tags as a name is no name: it is counted (种植脆李)
    pytest.param("今年种植脆李2000亩左右。", "2000亩左右", "种植脆李", id="one-char-nr-is-no-name"),
    pytest.param("村里栽下树苗3000株，养殖山羊400只，发放鸡苗5000羽。", "3000株", "树苗", id="list-each-own-1"),
    pytest.param("村里栽下树苗3000株，养殖山羊400只，发放鸡苗5000羽。", "400只", "养殖山羊", id="list-each-own-2"),
    pytest.param("全年受理信访件56件，办结52件，群众满意率92.9%。", "52件", "办结", id="list-each-own-3"),
    pytest.param("全年受理信访件56件，办结52件，群众满意率92.9%。", "92.9%", "群众满意率", id="list-each-own-4"),
    # a negated verb keeps its negation (不予立案 is the opposite of 立案)
    pytest.param("经审查立案213件，不予立案15件。", "15件", "不予立案", id="buyu-negation"),
    pytest.param("其中尚未办结的有3件。", "3件", "尚未办结", id="shangwei-negation"),
    # things listed before 等 and the number are counted by what was done to them
    pytest.param("先后引进华为、腾讯等12家。", "12家", "引进", id="list-deng-verb"),
    pytest.param("目前已解决“停车难”“用水难”等6个。", "6个", "已解决", id="quoted-list-deng-verb"),
    pytest.param("帮助协调“用工难”“融资难”等问题8个。", "8个", "问题", id="list-then-noun-before"),
    pytest.param("会同交通、住建等4部门现场办公。", "4部门", "现场办公", id="list-after-a-preposition"),
    pytest.param("上半年已帮助协调解决A村、B村等7个。", "7个", "已帮助协调解决", id="serial-verbs-before-a-list"),
    # a verb opening the clause is part of what it counts; two alternatives joined by 或 come whole
    pytest.param("留作参考3件。", "3件", "留作参考", id="serial-verbs-head"),
    pytest.param("转为社情民意信息5件。", "5件", "转为社情民意信息", id="verb-object-opening-the-clause"),
    pytest.param("已解决或基本解决63件，占比72%。", "63件", "已解决或基本解决", id="huo-alternatives"),
    pytest.param("已解决或基本解决63件，占比72%。", "72%", "已解决或基本解决占比", id="zhanbi-alone-after-a-count"),
    pytest.param("正在办理或已列入年度计划的有12件。", "12件", "正在办理或已列入年度计划", id="huo-with-de-you"),
    pytest.param("收到集体提案30件，占25%。", "25%", "集体提案占比", id="share-names-the-object-not-the-verb"),
    # a quoted name before the number is what is counted
    pytest.param("全市共有“最美志愿者”120名。", "120名", "“最美志愿者”", id="quoted-before"),
    pytest.param("设立“委员工作室”16个，“委员之家”9个。", "9个", "“委员之家”", id="quoted-each-own"),
    pytest.param("他们先后走访“两新”组织46家。", "46家", "走访“两新”组织", id="quoted-modifier-before"),
    # a sum after a selling verb is a price
    pytest.param("每斤能卖到8元。", "8元", "每斤售价", id="price-per-before"),
    pytest.param("加工贴牌后能卖4元左右一斤。", "4元左右", "每斤售价", id="price-per-after"),
    pytest.param("这些山货在城里能卖30元一斤。", "30元", "每斤售价", id="price-of-the-topic"),
    # a span of time closing its clause after 通过/用… is counted by what is done in it
    pytest.param("力争通过3至8年，建成区域急救中心。", "3至8年", "建成区域急救中心", id="span-means-next-clause"),
    pytest.param("计划用两年，完成全部改造。", "两年", "完成全部改造", id="span-means-chinese-numeral"),
    pytest.param("经过5年建设，建成公园12个。", "5年", "建设", id="span-with-its-noun"),
    # a quoted verb after the count says what they did; a quoted noun is what is counted
    pytest.param("活动吸引市民2万余人次“打卡”。", "2万余人次", "市民", id="quoted-deed-after"),
    pytest.param("评选出10名“最美家庭”代表。", "10名", "“最美家庭”代表", id="quoted-modifier-after"),
    pytest.param("该县推进四个“双百行动”。", "四个", "“双百行动”", id="quoted-verbal-noun-after"),
    pytest.param("委员们形成了12件扎实的提案。", "12件", "扎实的提案", id="adjective-de-noun-after"),
    pytest.param("片区共有老旧居民建筑79万平方米。", "79万平方米", "老旧居民建筑", id="you-only-links"),
    # an aspect particle links like an adverb; a quoted name opens the phrase before the verb
    pytest.param("“渝事好商量”活动开展了15场。", "15场", "“渝事好商量”活动开展", id="le-and-quoted-topic"),
    pytest.param("全年共举办了讲座26场。", "26场", "讲座", id="le-inside-verb-object"),
    pytest.param("各村累计栽种了果树1.2万株。", "1.2万株", "果树", id="le-verb-object-wan"),
    # a share opening its clause with 占 is the share of the count before it
    pytest.param("其中，女性委员89名，占委员总数的31%。", "31%", "女性委员占比", id="zhan-whole-opens-the-clause"),
    pytest.param("走访企业80家，占总数的40%。", "40%", "企业占比", id="zhan-whole-after-verb-object"),
    # a verb of having tells nothing about what is counted
    pytest.param("全区现有政协委员302名。", "302名", "现有政协委员", id="xianyou-a-modifier"),
    pytest.param("该区共有规上企业410家。", "410家", "规上企业", id="gongyou"),
    # a clause of linking words alone: a change is its own subject, else it counts what the clause before counts
    pytest.param("营业收入5亿元，比上年增加1.2亿元。", "1.2亿元", "比上年增加", id="change-against-last-year"),
    pytest.param("服务群众3000余人次，累计达1.2万人次。", "1.2万人次", "服务群众", id="cumulative-of-the-count-before"),
    pytest.param("新建便民服务点26个，累计建成108个。", "108个", "累计建成", id="a-verb-next-to-the-number-heads-it"),
    # a span with 内 after a length or an area is where, not what
    pytest.param("方圆3公里内没有一家医院。", "3公里", "", id="nei-after-a-length"),
])
def test_subjects_on_varied_sentences(body, surface, subject):
    (metric,) = [m for m in extract_metrics(body) if m.surface == surface]
    assert metric.subject == subject
