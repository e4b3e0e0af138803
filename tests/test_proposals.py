"""Proposal rules, each on a sentence written here: what counts, its kind, proposer, session, year, flags."""
import pytest

from transforms.districts import by_code
from transforms.proposals import extract_proposals

WANZHOU = by_code()["500101"]


def titles(body: str, **kw) -> list[tuple[str, str]]:
    return [(p.title, p.kind) for p in extract_proposals(body, **kw)]


def test_chain_of_titles_named_as_public_opinion_reports():
    found = titles("委员们已反映《关于加强企业5G工厂建设的建议》《工业母机发展难题待破解》等社情民意信息50余篇。")
    assert found == [("关于加强企业5G工厂建设的建议", "社情民意信息"), ("工业母机发展难题待破解", "社情民意信息")]


def test_collective_key_proposal_with_proposer_session_and_year():
    body = ("2022年初，在綦江区政协三届一次会议上，民进界别提交集体提案《关于建设区域医疗中心的建议》，提出建议。"
            "该提案被列为当年重点提案。提案办结之后，成效明显。")
    (p,) = extract_proposals(body, issue_year=2025)
    assert (p.kind, p.proposer, p.session, p.year) == ("提案", "民进界别", "綦江区政协三届一次会议", 2022)
    assert p.is_collective and p.is_key and p.status == "办结"


@pytest.mark.parametrize("body", [
    "编制“独居老人”应用《全市复用工作指南》，分步推动。",
    "唐明代表农工党界别，以《关于发展夜间经济的建议》为题发言。",
    "赵强代表经济界别，发言题目是《关于培育新材料产业的建议》。",
    "人大代表钱进的建议《关于修缮老街的建议》获评优秀代表建议。",
    "区人大代表提交议案《关于加快建设城南公园的议案》。",
    "经验做法以《政协工作信息》专刊形式呈报市委。",
], ids=["a-guide", "speech-title", "speech-title-before", "congress-suggestion", "motion", "publication"])
def test_other_documents_in_brackets_are_not_proposals(body):
    assert extract_proposals(body) == []


def test_a_title_handed_to_a_session_is_a_proposal_even_when_the_sentence_never_says_so():
    body = ("万州区政协委员李红在走访中发现多个村饮水难。她与村干部收集诉求，在区政协五届二次会议上提交了"
            "《关于改善山区饮水的建议》，建议并网供水。")
    (p,) = extract_proposals(body, district=WANZHOU)
    assert (p.kind, p.proposer, p.session, p.year) == ("提案", "李红", "万州区政协五届二次会议", None)


def test_a_title_written_then_submitted_after_it():
    (p,) = extract_proposals("张平也是区政协委员。他注意到公园缺少座椅，写成《关于增设公园座椅的建议》，提交区政协五届二次会议。",
                             district=WANZHOU)
    assert (p.kind, p.proposer, p.session) == ("提案", "张平", "万州区政协五届二次会议")


def test_a_neighbouring_proposal_word_does_not_make_a_suggestion_a_proposal():
    body = "会上，社区委的集体提案《关于发展小面产业的建议》获评优秀提案；钱进的个人建议《关于修缮老街的建议》获评优秀代表建议。"
    assert titles(body) == [("关于发展小面产业的建议", "提案")]


def test_a_proposer_of_any_length_before_or_after_委员():
    assert extract_proposals("魏东委员的提案《关于加强社区养老的建议》获得好评。")[0].proposer == "魏东"
    assert extract_proposals("欧阳明月委员的提案《关于加强社区养老的建议》获得好评。")[0].proposer == "欧阳明月"
    assert extract_proposals("2021年，委员王小明在区政协会议期间提交了《关于职业教育的建议》提案。")[0].proposer == "王小明"


def test_a_follow_up_sentence_names_the_proposer():
    (p,) = extract_proposals("政协对2023年度B类提案《关于改造民主路的建议》进行督办。这件提案由政协委员李伟提出，住建委主办。")
    assert (p.proposer, p.year) == ("李伟", 2023)


def test_members_not_named_give_no_proposer():
    (p,) = extract_proposals("评选出100件优秀提案，在外地工作的市政协委员提出的《关于建设高铁站的建议》在其列。")
    assert p.proposer is None and p.kind == "提案"


def test_a_county_cppcc_of_its_own_is_a_collective_proposer_and_该县_is_made_explicit():
    (p,) = extract_proposals("为此，该县政协东溪片区委员小组提交了集体提案《关于柑橘产业联盟的建议》。", district=WANZHOU)
    assert (p.proposer, p.is_collective) == ("万州县政协东溪片区委员小组", True)
    (p,) = extract_proposals("2017年召开的市政协四届五次全会期间，石柱县政协结合本地优势，递交了《关于发展康养产业的建议》提案。")
    assert (p.proposer, p.is_collective, p.session, p.year) == ("石柱县政协", True, "重庆市政协四届五次会议", 2017)


def test_key_and_status_attach_only_to_the_proposal_their_sentence_names():
    body = ("委员提交了提案《关于修建步道的建议》。随后又提交了提案《关于增设路灯的建议》，该提案被列为重点提案，目前已办结。")
    first, second = extract_proposals(body)
    assert (first.is_key, first.status) == (False, None)
    assert (second.is_key, second.status) == (True, "办结")


def test_the_year_comes_from_the_text_not_the_page():
    (p,) = extract_proposals("委员提交了提案《关于修建步道的建议》。", issue_year=2025)
    assert p.year is None
    (p,) = extract_proposals("去年，委员提交了提案《关于修建步道的建议》。", issue_year=2025)
    assert p.year == 2024


def test_a_title_that_is_itself_a_proposal():
    (p,) = extract_proposals("会后，《关于兴建儿童公园的提案》被列为区政协十五届五次会议第015号重点提案。", district=WANZHOU)
    assert (p.kind, p.session, p.is_key) == ("提案", "万州区政协十五届五次会议", True)


def test_a_party_committee_named_before_owns_its_sub_committee():
    body = "九三学社万州区委员会社员积极参会。会上，社区委的集体提案《关于发展小面产业的建议》获评优秀提案。"
    (p,) = extract_proposals(body)
    assert (p.proposer, p.is_collective) == ("九三学社万州区委员会社区委", True)


@pytest.mark.parametrize("body", [
    "区政协印发《关于反映社情民意信息工作的规定》，规范信息报送。",
    "会议审议通过《政协万州区委员会提案工作规则》和提案审查办法。",
    "区政协出台《委员履职考核办法》，把提案纳入考核。",
    "《万州区社情民意信息工作实施方案》明确了报送要求。",
], ids=["rules-with-a-kind-word-nearby", "rules", "measures", "implementation-plan"])
def test_titles_of_documents_are_not_proposals_even_with_a_kind_word_nearby(body):
    assert extract_proposals(body) == []


def test_a_suggestion_handed_in_with_the_kind_word_beside_it_is_a_proposal():
    (p,) = extract_proposals("会上，委员李红提交了《关于建设智慧农贸市场的建议》等提案建议。")
    assert (p.kind, p.proposer) == ("提案", "李红")


def test_a_collective_proposal_title_needs_neither_关于_nor_建议():
    (p,) = extract_proposals("民盟界别提交的集体提案《让老旧小区焕发新活力》受到关注。")
    assert (p.kind, p.proposer, p.is_collective) == ("提案", "民盟界别", True)


@pytest.mark.parametrize("body, proposer", [
    ("民进万州区委提交了《关于发展夜间经济的建议》集体提案。", "民进万州区委"),
    ("会后，民进南岸区委提交了《关于发展夜间经济的建议》集体提案。", "民进南岸区委"),
    ("九三学社万州区委员会提交了《关于保护古树的建议》集体提案。", "九三学社万州区委员会"),
    ("区政协经济委专委会提交了《关于优化营商环境的建议》集体提案。", "区政协经济委专委会"),
    ("农业界别委员小组提交了《关于发展预制菜产业的建议》集体提案。", "农业界别委员小组"),
], ids=["party-district-committee", "a-district-name-jieba-reads-as-a-place-word", "party-committee", "special-committee", "members-group"])
def test_group_proposers(body, proposer):
    (p,) = extract_proposals(body)
    assert (p.proposer, p.is_collective) == (proposer, True)


def test_the_session_may_be_named_in_the_next_sentence():
    body = ("委员王刚提交了提案《关于建设城南公园的建议》。这件提案是在区政协五届三次会议上提交的，受到各方关注。")
    (p,) = extract_proposals(body, district=WANZHOU)
    assert p.session == "万州区政协五届三次会议"


def test_a_yearly_lead_handling_names_the_year():
    (p,) = extract_proposals("2013年度区长领办提案《关于治理城区噪音的建议》已全部办结。", issue_year=2025)
    assert (p.year, p.status) == (2013, "办结")


@pytest.mark.parametrize("body, proposer", [
    ("九三学社万州区委员会以集体提案形式提交《加快数字乡村建设步伐》。", "九三学社万州区委员会"),
    ("民盟万州区委在区政协五届三次会议上提交了《关于优化营商环境的提案》。", "民盟万州区委"),
    ("农工党万州区总支提交了《关于基层医疗人才培养的提案》。", "农工党万州区总支"),
    ("九三学社万州区基层支社围绕乡村振兴提交《关于发展庭院经济的建议》集体提案。", "九三学社万州区基层支社"),
    ("文化艺术界别联合提交了《关于保护传统村落的建议》集体提案。", "文化艺术界别"),
], ids=["committee-yi-xingshi", "district-committee-zai-session", "zongzhi", "zhishe-weirao", "jiebie-lianhe"])
def test_group_proposers_before_any_lead_to_the_title(body, proposer):
    (p,) = extract_proposals(body, district=WANZHOU)
    assert (p.proposer, p.is_collective) == (proposer, True)


@pytest.mark.parametrize("body", [
    "大湾镇委员小组提交《关于修缮古桥的建议》，得到相关部门回复。",
    "委员刘强撰写了《关于治理餐厨垃圾的建议》，呼吁推行分类收运。",
], ids=["members-group-submits", "a-member-writes"])
def test_a_suggestion_a_cppcc_member_hands_in_is_a_proposal(body):
    assert titles(body) == [(body[body.index("《") + 1:body.index("》")], "提案")]


@pytest.mark.parametrize("body, kind", [
    ("李明委员撰写的《关于规范电动自行车充电的建议》被作为社情民意信息报送市政协。", "社情民意信息"),
    ("她提交的《关于农村饮水安全的几点建议》以社情民意信息形式报送后被采用。", "社情民意信息"),
], ids=["as-a-report", "in-the-form-of-a-report"])
def test_the_kind_word_beats_the_submission_verb(body, kind):
    assert [k for _, k in titles(body)] == [kind]


def test_a_session_in_the_next_sentence_of_a_title_its_own_sentence_leaves_unnamed():
    body = "刘强委员提交了《关于治理餐厨垃圾的建议》。这是他在区政协五届二次会议上提交的提案。"
    (p,) = extract_proposals(body, district=WANZHOU)
    assert (p.kind, p.proposer, p.session) == ("提案", "刘强", "万州区政协五届二次会议")


@pytest.mark.parametrize("body, proposer", [
    ("万州区政协在区政协五届三次会议期间，委员张三提交了《关于建设口袋公园的建议》。", "张三"),
    ("区政协在调研基础上，由委员李四执笔撰写《关于改善农村道路的建议》提案。", "李四"),
], ids=["member-after-the-cppcc", "member-writes-for-the-cppcc"])
def test_a_member_named_after_a_group_is_the_proposer(body, proposer):
    (p,) = extract_proposals(body, district=WANZHOU)
    assert (p.proposer, p.is_collective) == (proposer, False)


@pytest.mark.parametrize("body, proposer, year", [
    ("《关于进一步加强流浪动物管理的建议》是委员陈红今年提交的个人提案。", "陈红", 2025),
    ("《关于完善农村寄递物流的建议》这件提案，由政协委员赵敏于2023年提出。", "赵敏", 2023),
], ids=["member-after-the-title", "member-and-year-after-the-title"])
def test_the_proposer_and_year_may_follow_the_title(body, proposer, year):
    (p,) = extract_proposals(body, issue_year=2025)
    assert (p.kind, p.proposer, p.year) == ("提案", proposer, year)


@pytest.mark.parametrize("body", [
    "区政协出台《关于进一步加强提案工作的意见》，推动提案质量提升。",
    "区政协办公室印发《关于做好社情民意信息报送工作的意见》。",
    "县政协修订完善《提案审查立案标准》，提高提案立案质量。",
    "区政协编印《提案工作手册》发放给委员，帮助委员写好提案。",
    "会议审议通过了《关于表彰2024年度优秀提案的决定》。",
], ids=["issued-opinion", "issued-opinion-with-report-word", "standard", "handbook", "decision"])
def test_documents_the_cppcc_issues_are_not_proposals(body):
    assert extract_proposals(body) == []


@pytest.mark.parametrize("body, proposer", [
    ("2020年，委员李强提交了《关于建设城市绿道的建议》。", "李强"),
    ("委员王刚在会上提交了《关于建设城市绿道的建议》提案。", "王刚"),
    ("张伟委员的提案《关于建设城市绿道的建议》获评优秀提案。", "张伟"),
], ids=["a-name-jieba-knows", "another-name-jieba-knows", "name-before-weiyuan"])
def test_names_jieba_knows_as_names_are_proposers(body, proposer):
    (p,) = extract_proposals(body)
    assert p.proposer == proposer
