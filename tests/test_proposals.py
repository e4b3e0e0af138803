from transforms.proposals import extract_proposals


def test_chain_of_titles_named_as_public_opinion_reports():
    found = extract_proposals("委员们已反映《关于加强企业5G工厂建设的建议》《工业母机发展难题待破解》等社情民意信息50余篇。")
    assert [(p.title, p.kind) for p in found] == [("关于加强企业5G工厂建设的建议", "社情民意信息"),
                                                  ("工业母机发展难题待破解", "社情民意信息")]


def test_collective_key_proposal_with_proposer_session_and_year():
    body = ("2022年初，在綦江区政协三届一次会议上，民进界别提交集体提案《关于建设区域医疗中心的建议》，提出建议。"
            "该提案被列为当年重点提案。提案办结之后，成效明显。")
    (p,) = extract_proposals(body, issue_year=2025)
    assert (p.kind, p.proposer, p.session, p.year) == ("提案", "民进界别", "綦江区政协三届一次会议", 2022)
    assert p.is_collective and p.is_key and p.status == "办结"


def test_other_documents_in_brackets_are_not_proposals():
    assert extract_proposals("编制“独居老人”应用《全市复用工作指南》，分步推动。") == []
