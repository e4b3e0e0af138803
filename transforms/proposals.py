"""Proposals (提案) and public-opinion reports (社情民意信息) named in 《》.

A 《title》 (or a chain of them, `《A》《B》等社情民意信息`) counts when the words next to it, inside its own
sentence, name it a proposal or a report, or say it was handed to a CPPCC session (`在区政协三届四次会议上
提交了《…的建议》`), and nothing there makes it something else: a people's-congress motion or suggestion
(议案, 代表建议), the title of a speech (`以《…》为题发言`) or a document the CPPCC issues (`出台《…的意见》`,
titles ending in 规则, 办法…). A kind word outweighs a submission verb. Key, status and proposer words count in that
sentence and in follow-up sentences that refer back to it (`该提案被列为重点提案`), never for a neighbour."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import districts
from .dates import relative_year, stated_years
from .lexicons import District, load_lexicon
from .numbers import NONZERO_DIGITS
from .text import CJK, sentence_before, sentence_span

CONTEXT_BEFORE = 16      # characters before the first title of a chain where a cue still counts
CONTEXT_AFTER = 12       # characters after the last title
TITLE_ENDINGS = ("建议", "提案", "意见")   # what a submission's own title ends with
_TITLE_CHAIN = re.compile(r"(?:《[^《》]{2,80}》[、和及与]?)+")
_NUMERAL = NONZERO_DIGITS + "十"
_SESSION = re.compile(rf"政协第?([{_NUMERAL}]+)届([{_NUMERAL}]+)次(?:会议|全会|全体会议)")
_CJK_NAME = f"[{CJK}]{{2,4}}"
NAME_FOLLOWERS = "于在将从向"      # prepositions jieba may take into a two-character name before them


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


def _lexicon():
    return load_lexicon("proposals")


def _kind(before: str, after: str, titles: list[str], sentence: str) -> str | None:
    """The kind the nearest cue gives the chain, or None (no cue, or the nearest cue says it is not one)."""
    lex = _lexicon()
    cues: list[tuple[int, str | None]] = []

    def near(word: str, kind: str | None) -> None:
        if (pos := before.rfind(word)) >= 0 and len(before) - pos - len(word) <= CONTEXT_BEFORE:
            cues.append((len(before) - pos - len(word), kind))
        if (pos := after.find(word)) >= 0 and pos <= CONTEXT_AFTER:
            cues.append((pos, kind))

    for kind, words in lex["kinds"].items():
        for word in words:
            near(word, kind)
    if all(t.endswith(TITLE_ENDINGS) for t in titles) and all(t.endswith("提案") for t in titles):
        cues.append((0, "提案"))
    for word in lex["not_proposal"]:
        near(word, None)
    if not cues and all(t.endswith(TITLE_ENDINGS) for t in titles) and any(w in sentence for w in lex["cppcc_markers"]):
        for verb in lex["submission_verbs"]:     # handed in by CPPCC members, and nothing says what it is
            near(verb, "提案")
    if not cues:
        return None
    nearest = min(distance for distance, _ in cues)
    kinds = {kind for distance, kind in cues if distance == nearest}
    return None if None in kinds else kinds.pop()


def _session(text: str, district: District | None) -> str | None:
    """The session named in `text` with its owner as written: `璧山区政协十届五次会议`; `区政协…` takes the
    article's district, `市政协…` is 重庆市's; `第` and 全会 are normalised away."""
    m = _SESSION.search(text)
    if not m:
        return None
    prefix = text[max(0, m.start() - 12):m.start()]
    owner = ""
    for d, _, pos in districts.find_districts(prefix):
        if prefix.endswith(prefix[pos:]) and re.fullmatch(rf"[{CJK}]*?(区|县)?", prefix[pos:]):
            owner = d.short_name + ("区" if d.kind == "区" else "县")
    if not owner and prefix.endswith(("区", "县")) and district is not None:
        owner = district.short_name + ("区" if district.kind == "区" else "县")
    elif not owner and prefix.endswith("市"):
        owner = "重庆市"
    return f"{owner}政协{m.group(1)}届{m.group(2)}次会议"


def _year(texts: list[str], issue_year: int | None) -> int | None:
    """The year the sentence (or the one before it) states: `2021 年`, `2023 年度`, 今年/去年 from the issue."""
    for text in texts:
        if years := stated_years(text):
            return years[-1]
    return next((y for y in (relative_year(text, issue_year) for text in texts) if y is not None), None)


def member_names(text: str) -> list[tuple[int, str]]:
    """(position, name) of CPPCC members the text names: `政协委员王俊`, `魏东委员`, `欧阳明月委员的`,
    `马开银也是…委员`. A name is what jieba tags a person's name (`nr`) where the pattern expects one."""
    out = []
    for m in re.finditer(rf"(?:^|(?<=[，。、；：“”\s由是与和及对请让]))({_CJK_NAME}?)(?=委员|常委)", text):
        if _is_name(m.group(1)):
            out.append((m.start(1), m.group(1)))
    for m in re.finditer(rf"委员({_CJK_NAME})", text):
        if name := _leading_name(text[m.start(1):m.start(1) + 6]):
            out.append((m.start(1), name))
    for m in re.finditer(rf"(?:^|(?<=[。；\n]))({_CJK_NAME}?)(?:也|还|则)?是[^。]{{0,12}}委员", text):
        if _is_name(m.group(1)):
            out.append((m.start(1), m.group(1)))
    return sorted(set(out))


def _leading_name(text: str) -> str | None:
    """The person name a text starts with, by jieba's part-of-speech tags."""
    from .tokens import tag

    tagged = tag(text)
    if not tagged or not tagged[0][1].startswith("nr"):     # nr, and nrfg/nrt for names jieba knows (李强)
        return None
    name = tagged[0][0]
    if len(name) == 1 and len(tagged) > 1 and len(tagged[1][0]) <= 2 and tagged[1][1][:1] in "anvz":
        name += tagged[1][0]          # a surname jieba split off its given name (`瞿` + `显贵`)
    if len(name) == 3 and name[-1] in NAME_FOLLOWERS:
        name = name[:2]               # 赵敏于2023年: jieba took the preposition into the name
    return name if 2 <= len(name) <= 4 else None


def _is_name(text: str) -> bool:
    """The whole text is a person's name: it starts with one (`欧阳明月`: jieba tags `欧阳明` and `月`)."""
    return _leading_name(text) is not None


@cache
def _group_pattern() -> re.Pattern:
    lex = _lexicon()
    groups = "|".join(map(re.escape, sorted(lex["proposer_groups"], key=len, reverse=True)))
    followers = "|".join(map(re.escape, lex["submission_verbs"] + lex["group_followers"]))
    return re.compile(rf"(?:^|(?<=[，。；：、\s]))([{CJK}]{{0,14}}(?:{groups}))(?={followers})")


def _group(text: str, district: District | None, after: int = 0) -> str | None:
    """A group that submits (`民进界别`, `县政协`, `该县政协大溪片区委员小组`), with 该县/该区 made explicit; one named
    before position `after` is not the submitter."""
    matches = [m for m in _group_pattern().finditer(text) if m.start(1) >= after]
    if not matches:
        return None
    name = _past_the_lead_in(matches[-1].group(1))
    if name.startswith(("该县", "该区")) and district is not None:
        name = district.short_name + name[1:]
    elif name.startswith(("县政协", "区政协")) and district is not None:
        name = district.short_name + name
    return name


def _past_the_lead_in(text: str) -> str:
    """A group's name without the words leading to it: a preposition or a time (`会后由民进界别` -> 民进界别)."""
    from .tokens import tag

    pos, cut = 0, 0
    for word, part in tag(text):
        pos += len(word)
        if part == "p" or word in _lexicon()["lead_in_words"]:
            cut = pos
    return text[cut:] if len(text) - cut >= 2 else text


def _with_party(name: str, before: str) -> str:
    """A committee named on its own (`社区委`) belongs to the party committee the text named before it."""
    if len(name) > 4:
        return name
    parties = "|".join(map(re.escape, _lexicon()["parties"]))
    found = re.findall(rf"(?:{parties})[{CJK}]{{0,6}}?委员会", before)
    return found[-1] + name if found else name


def _proposer(body: str, chain_start: int, sentence_start: int, district: District | None) -> tuple[str | None, bool]:
    """(proposer, it is a group) for the chain starting at `chain_start`."""
    clause = body[sentence_start:chain_start]
    if m := re.search(rf"({_CJK_NAME})委员的(?:个人)?提案$", clause):
        return m.group(1), False
    if re.search(r"委员(?:们)?(?:提出|提交)的$", clause):
        return None, False                     # members not named
    named = member_names(clause)
    last_named = named[-1][0] + len(named[-1][1]) if named else 0
    if group := _group(clause, district, after=last_named):     # `区政协在…，委员张三提交`: the member
        return _with_party(group, body[:sentence_start + len(clause)]), True
    if named:
        return named[-1][1], False
    if members := member_names(body[:sentence_start]):   # `他将…变成了提案《`, `会后，《…》被列为…`: the
        return members[-1][1], False                     # member the story follows
    previous = sentence_before(body, sentence_start)
    if group := _group(previous, district):
        return group, True
    return None, False


def _follow_ups(body: str, sentence_end: int, next_chain: int) -> list[str]:
    """Sentences after the title's that refer back to it, up to the sentence naming the next title."""
    anaphors = _lexicon()["anaphors"]
    out, pos = [], sentence_end
    while pos < next_chain:
        while pos < len(body) and body[pos] in "\n" + load_lexicon("layout")["sentence_ends"]:
            pos += 1
        if pos >= min(next_chain, len(body)):
            break
        start, end = sentence_span(body, pos, pos)
        if end > next_chain:            # that sentence names the next title: its words are the next one's
            break
        sentence = body[pos:end]
        if any(a in sentence for a in anaphors) or re.search(r"(?:由|由政协)委员\S{2,4}提出", sentence):
            out.append(sentence)
        pos = end
    return out


def extract_proposals(body: str, issue_year: int | None = None, district: District | None = None) -> list[Proposal]:
    lex = _lexicon()
    chains = list(_TITLE_CHAIN.finditer(body))
    named = []                                   # (chain, its sentence, the text before and after it, titles, kind)
    for n, chain in enumerate(chains):
        start, end = sentence_span(body, chain.start(), chain.end())
        previous_end = chains[n - 1].end() if n else 0
        next_start = chains[n + 1].start() if n + 1 < len(chains) else len(body)
        before, after = body[max(start, previous_end):chain.start()], body[chain.end():min(end, next_start)]
        titles = [t for t in (t.strip() for t in re.findall(r"《([^《》]+)》", chain.group()))
                  if not t.endswith(tuple(lex["document_endings"]))]
        if titles and (kind := _kind(before, after, titles, body[start:end])):
            named.append((chain, start, end, before, after, titles, kind))
    out: list[Proposal] = []
    for n, (chain, start, end, before, after, titles, kind) in enumerate(named):
        next_named = named[n + 1][0].start() if n + 1 < len(named) else len(body)
        follow = _follow_ups(body, end, next_named) if kind == "提案" else []
        said = before + chain.group() + after + "".join(follow)      # its sentence, and what refers back to it
        proposer, group = _proposer(body, chain.start(), start, district)
        handed_in = _handed_in_after(after)
        if handed_in and (members := member_names(handed_in)):
            proposer, group = members[0][1], False       # 《…》是委员陈红今年提交的个人提案
        for sentence in follow:
            if m := re.search(r"由(?:政协)?委员(\S{2,4}?)提出", sentence):
                proposer, group = m.group(1), False
        previous_sentence = sentence_before(body, start)
        session = (_session(body[start:end], district) or _session_of_numbered(body, chain.start(), district)
                   or (_session_after(body, end, next_named, district) if kind == "提案" else None))
        for title in titles:
            out.append(Proposal(
                title=title, kind=kind, proposer=proposer, session=session,
                year=_year([body[start:chain.start()], previous_sentence, handed_in], issue_year),
                is_collective=kind == "提案" and (group or any(w in before for w in lex["collective"])),
                is_key=kind == "提案" and any(w in said for w in lex["key"]),
                status=next((w for w in lex["status"] if w in said), None) if kind == "提案" else None,
            ))
    return out


def _handed_in_after(after: str) -> str:
    """The words after a title up to the submission verb that follows it (`》是委员陈红今年提交的`), or ''."""
    verbs = [at for verb in _lexicon()["submission_verbs"] if (at := after.find(verb)) >= 0]
    return after[:min(verbs)] if verbs else ""


def _session_after(body: str, end: int, next_chain: int, district: District | None) -> str | None:
    """A session named after the title's sentence, before the next title, in the same or the next paragraph
    (`这件提案是在区政协五届三次会议上提交的`)."""
    paragraph_end = body.find("\n", body.find("\n", end) + 1)
    stop = min(next_chain, paragraph_end if paragraph_end >= 0 else len(body))
    m = _SESSION.search(body, end, stop)
    if not m:
        return None
    start, _ = sentence_span(body, m.start(), m.end())
    return _session(body[max(start, m.start() - 12):m.end()], district)


def _session_of_numbered(body: str, chain_start: int, district: District | None) -> str | None:
    """`县政协将其列为1号提案`: the session an earlier sentence names together with a 提案."""
    for m in reversed(list(_SESSION.finditer(body, 0, chain_start))):
        start, end = sentence_span(body, m.start(), m.end())
        if "提案" in body[m.end():end]:
            return _session(body[max(start, m.start() - 12):end], district)
    return None
