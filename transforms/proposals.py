"""Proposals (提案) and public-opinion reports (社情民意信息) named in 《》.

A 《title》 counts when the words right around it (or around the chain of titles it stands in,
`《A》《B》等社情民意信息`) name it a proposal or a report; guides, plans and rules do not count."""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import districts
from .lexicons import load_lexicon

CONTEXT_BEFORE = 12      # characters before the first title of a chain
CONTEXT_AFTER = 10       # characters after the last title of a chain
FOLLOW_UP_CHARS = 400    # how far on the text may still speak of "该提案"
_SESSION = re.compile(r"政协[一二三四五六七八九十]+届[一二三四五六七八九十]+次会议")
_MEMBER_NAME = re.compile(r"委员([\u4e00-\u9fff]{2,3})")
_TITLE_CHAIN = re.compile(r"(?:《[^《》]{2,80}》[、和及与]?)+")


@dataclass(frozen=True)
class Proposal:
    title: str
    kind: str
    proposer: str | None
    session: str | None
    year: int | None
    is_collective: bool
    is_key: bool
    status: str | None


def _kind_near(before: str, after: str) -> tuple[str | None, str]:
    """The kind named next to a title chain, and the word that named it."""
    lex = load_lexicon("proposals")
    best = None
    for kind, words in lex["kinds"].items():
        for word in words:
            # A word after the chain ("…》等社情民意信息") or the last words before it ("提交集体提案《").
            for pos, where in ((after.find(word), "after"), (len(before) - before.rfind(word) - len(word)
                                                             if word in before else -1, "before")):
                if pos >= 0 and (best is None or pos < best[0]):
                    best = (pos, kind, word)
    return (best[1], best[2]) if best else (None, "")


def _sentence_start(body: str, pos: int) -> int:
    return max(body.rfind(ch, 0, pos) for ch in "。！？\n") + 1


def _session(body: str, chain_start: int) -> str | None:
    """`巴南区政协十五届三次会议`: the session named shortly before the title, with its district."""
    window = body[max(0, chain_start - 80):chain_start]
    matches = list(_SESSION.finditer(window))
    if not matches:
        return None
    m = matches[-1]
    owner = [d for d, _, pos in districts.find_districts(window[:m.start()])
             if window[:m.start()].endswith(window[pos:m.start()]) and pos + 1 < m.start()]
    prefix = window[:m.start()]
    for d in owner:
        for alias in (d.name, d.short_name + d.kind[-1], d.short_name):
            if prefix.endswith(alias):
                return alias + m.group()
    return m.group()


def _sentences_before(body: str, pos: int, count: int = 2) -> list[str]:
    """The text of the sentence up to `pos`, then the sentences before it, nearest first."""
    out, end = [], pos
    for _ in range(count):
        start = _sentence_start(body, end)
        out.append(body[start:end])
        end = start - 1
        if end <= 0:
            break
    return out


def _proposer(body: str, chain_start: int, session: str | None) -> str | None:
    """`民进界别提交集体提案《…》` -> 民进界别; `他将…变成了提案` -> the member the story is about;
    else the 政协 body that is the subject of the sentence (or the one before)."""
    lex = load_lexicon("proposals")
    sentences = _sentences_before(body, chain_start)
    clause = re.split(r"[，,；]", sentences[0])[-1]
    m = re.search(r"([\u4e00-\u9fff]{2,12}?)(?:提交|提出|撰写|递交)了?", clause)
    if m:
        name = re.sub(r"^(在|由|经)", "", m.group(1))
        if any(name.endswith(g) or name.startswith(g) for g in lex["proposer_groups"]):
            return name
    if re.search(r"[他她]", clause):
        names = [n for n in _MEMBER_NAME.findall(body[:chain_start])]
        if names:
            counts = {n: body.count(n[:2]) + body.count(n) for n in names}
            best = max(names, key=lambda n: counts[n])
            return best if body.count(best) > 1 else best[:2]
    for sentence in sentences:
        if session:
            sentence = sentence.replace(session, "")
        for d, _, pos in districts.find_districts(sentence):
            m = re.match(r"[\u4e00-\u9fff]{1,10}?[区县]政协", sentence[pos:])
            if m and m.group().startswith((d.name, d.short_name + d.kind[-1])):
                return m.group()
    return None


def _year(body: str, chain_start: int, issue_year: int | None) -> int | None:
    """The year stated in the sentence that names the proposal, else the issue's year (去年: the one before)."""
    window = body[_sentence_start(body, chain_start):chain_start]
    years = re.findall(r"((?:19|20)\d\d)年", window)
    if years:
        return int(years[-1])
    if issue_year and "去年" in window:
        return issue_year - 1
    return issue_year


def extract_proposals(body: str, issue_year: int | None = None) -> list[Proposal]:
    lex = load_lexicon("proposals")
    out: list[Proposal] = []
    for chain in _TITLE_CHAIN.finditer(body):
        before = body[max(0, chain.start() - CONTEXT_BEFORE):chain.start()]
        after = body[chain.end():chain.end() + CONTEXT_AFTER]
        kind, word = _kind_near(before, after)
        if kind is None:
            continue
        follow = body[chain.end():chain.end() + FOLLOW_UP_CHARS]
        context = before + word + follow
        session = _session(body, chain.start())
        later = [s for s in re.split("[。！？]", body[chain.end():]) if "提案" in s]
        status = next((w for s in later for w in lex["status"] if w in s), None) if kind == "提案" else None
        for title in re.findall(r"《([^《》]+)》", chain.group()):
            out.append(Proposal(
                title=title.strip(), kind=kind,
                proposer=_proposer(body, chain.start(), session),
                session=session,
                year=_year(body, chain.start(), issue_year),
                is_collective=any(w in before[-6:] for w in lex["collective"]),
                is_key=kind == "提案" and any(w in context for w in lex["key"]),
                status=status,
            ))
    return out
