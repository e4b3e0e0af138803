"""What a quantity counts: its subject, the counted noun phrase as printed (`124家委员企业` -> 委员企业).

Chinese noun phrases are head-final, and a quantity stands either before what it counts (`9名委员`,
`10多支坝坝舞队伍`, `4件未立案的提案`) or after it, often past a linking verb (`森林覆盖率达45.7%`,
`全产业链产值将达14.5亿元`, `兔舍温度始终保持在20℃`). The phrase is read from jieba's part-of-speech tags
within the quantity's clause:

- after the quantity: modifiers, then nouns, up to a verb, a number, 的 or punctuation (a quoted name and
  a list of short modifiers are part of it: `10余名“老委员”`, `9名市、区政协委员`; a quoted verb is a deed:
  `2万余人次“打卡”`); a threshold word (`突破5亿元大关`) or 内 after a length (`方圆3公里内`) names nothing;
  a qualifier after the noun is the quantity's (`1000双鞋左右`, metrics.py);
- else before it, past the linking words (lexicons/metrics.yaml `linking_words`; a verb with its complement,
  `控制在`, `降至`), adverbs, times, aspect particles and prepositions: the nouns that end there, a quoted
  name among them (`A占B的79.3%` -> `A占B`; `共有“最美志愿者”120名`); a verb that opens the clause is part of
  it (`走访企业80家`, `转为社情民意信息5件`), a verb of having is not (`共有规上企业410家`); with no noun, the
  verb next to the number heads it (`立案199件`, `已办结11件`), two alternatives joined by 或 whole
  (`已解决或基本解决91件`); a share word alone is the share of what the clause names (`脱贫户占比达到42%`);
- things listed before 等 are counted by the verb the list follows (`引进华为、腾讯等12家` -> 引进);
- a span of time closing its clause after 通过/用 is counted by what the next clause does (`力争通过3至8年，
  建成…`); a sum after a selling verb is a price (`每斤能卖到8元` -> 每斤售价);
- a quantity listed after another (`3项、23项、115项`) or opening its clause with nothing but a linking
  word (`，占80.3%`, `，方圆422.04公顷`, `，累计达1.2万人次`) counts what the one before it counts, or what
  the clause before names; a share (`占…%`, `，占总数的40%`) is that subject's `占比` (its object without the
  verb); a clause of linking words alone that tells a change (`，同比增长5.9%`) is its own subject;
- things counted with nothing but what they did or had done after them are counted by that (`4人获表彰`,
  `其中125个已办结`, `5分钟内完成预警处置`);
- a one-character noun after the number takes the verb before it (`可捐3节课` -> 可捐的课) or what it is
  named (`‘土特产’这3个字` -> 字（‘土特产’）); failing all, the clause's topic (its first noun phrase)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from .lexicons import load_lexicon
from .text import CJK
from .tokens import tag

MAX_CHARS = 12             # characters of a subject, a quoted name not counted
WINDOW = 40                # how far from the quantity its subject is looked for
# jieba tags of the words a subject is made of (jieba tags some common nouns nr, as if names: 孤儿, 小微).
NOUN_TAGS = frozenset({"n", "nr", "nz", "nt", "nl", "ng", "vn", "an", "j", "l", "z", "zg"})
MODIFIER_TAGS = ("a", "b", "v", "h", "ns")           # words that may stand before its head noun (tag prefixes)
MAX_PREDICATE_CHARS = 8
LISTED_MODIFIER_CHARS = 4   # `省级、市级示范社`: a listed modifier this short belongs to the phrase
INSIDE = ("以内", "之内", "内", "里")                # `5分钟内完成`: the span is what is done within it
NEGATIONS = ("未", "非", "不", "不予", "尚未", "暂未", "未能", "没有")
QUOTES = {"“": "”", "‘": "’"}
LIST_SEPARATORS = ("、", "和", "及", "与", "或")
ALTERNATIVES = ("或", "或者")                      # between two phrases: 已解决或基本解决
OPENING_TAGS = ("r", "d", "t", "c", "f", "x")
VERB_TAGS = ("v", "vd", "vi", "vg")
HAVE = "有"                                          # 共有, 现有, 拥有: a verb of having links, it tells nothing                 # verbs proper (not vn, a verb used as a noun: 行动)      # what may open a clause before its verb: 其中, 今年, 先后


@dataclass(frozen=True)
class Counted:
    """A quantity already read in the body: where it ends and what it counts."""
    start: int
    end: int
    subject: str


class Token(NamedTuple):
    word: str
    pos: str
    start: int
    end: int

    @property
    def noun(self) -> bool:
        return self.pos in NOUN_TAGS or self.word in _read_as_nouns() or (
            self.pos == "ns" and not self.place)        # jieba tags some nouns as places: 满意度

    @property
    def place(self) -> bool:
        """A place name (`大足区`, `安居镇`): jieba's tag, and the ending of a place."""
        return self.pos.startswith("ns") and self.word.endswith(_place_endings())


@cache
def _read_as_nouns() -> frozenset[str]:
    return frozenset(load_lexicon("words")["read_as_nouns"])


@cache
def _place_endings() -> tuple[str, ...]:
    return tuple(load_lexicon("words")["place_endings"])


def _lexicon() -> dict:
    return load_lexicon("metrics")


@cache
def _linking() -> tuple[str, ...]:
    return tuple(sorted(_lexicon()["linking_words"], key=len, reverse=True))


@cache
def _words(key: str) -> tuple[str, ...]:
    return tuple(sorted(_lexicon()[key], key=len, reverse=True))


# Where the page's punctuation marks live: ASCII and Latin-1, general punctuation, CJK symbols and
# punctuation, CJK compatibility and small forms, half- and full-width forms.
PUNCTUATION_BLOCKS = ((0x20, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFE30, 0xFE6F), (0xFF00, 0xFFEF))


def _punctuation(exclude: str) -> re.Pattern:
    """A character class of the punctuation marks (Unicode category P) and the line break, but `exclude`."""
    marks = {chr(c) for low, high in PUNCTUATION_BLOCKS for c in range(low, high + 1)
             if unicodedata.category(chr(c)).startswith("P")}
    return re.compile("[" + re.escape("".join(sorted(marks - set(exclude)))) + "\n]")


@cache
def _clause_end_after() -> re.Pattern:
    return _punctuation("“”‘’、（）")         # quotes, a list and a parenthesis do not end a phrase after a number


@cache
def _clause_end_before() -> re.Pattern:
    return _punctuation("“”‘’")


def _tokens(text: str, offset: int) -> list[Token]:
    out, pos = [], offset
    for word, tag_ in tag(text):
        out.append(Token(word, tag_, pos, pos + len(word)))
        pos += len(word)
    return out


def _clause_after(body: str, end: int) -> str:
    """The text after a quantity up to the end of its clause; quotes, 、 and a parenthesis right after a word
    do not end it."""
    text = body[end:end + WINDOW]
    m = _clause_end_after().search(text)
    return text[:m.start()] if m else text


def _clause_before(body: str, start: int) -> int:
    """Where the clause holding `start` begins (quotes do not end a clause)."""
    floor = max(0, start - WINDOW)
    m = _clause_end_before().search(body[floor:start][::-1])
    begin = start - m.start() if m else floor
    if begin > floor and body[begin - 1] == "、":           # 省级、市级示范社: listed modifiers, one phrase
        earlier = _clause_before(body, begin - 1)
        if begin - 1 - earlier <= LISTED_MODIFIER_CHARS and not any(ch.isdigit() for ch in body[earlier:begin]):
            return earlier
    return begin


def _quoted_deed(body: str, start: int, close: int, tokens: list[Token]) -> bool:
    """A quoted verb with no noun after it (`2万余人次“打卡”`) tells what the counted did, it names nothing."""
    inner = _tokens(body[start + 1:close - 1], start + 1)
    following = next((t for t in tokens if t.start >= close), None)
    return bool(inner) and inner[-1].pos in VERB_TAGS and not (following and following.noun)


def _quoted_end(body: str, start: int, limit: int) -> int | None:
    close = body.find(QUOTES[body[start]], start + 1, limit)
    return close + 1 if close > start else None


def _after(body: str, end: int, closed: bool = False) -> str:
    """The noun phrase right after the quantity (`9名委员` -> 委员), or ''. After a quantity `closed` by a
    qualifier (`200瓶以上送往社区`) a verb starts what they did, not a modifier of what is counted."""
    text = _clause_after(body, end)
    if not text or text.startswith(_words("threshold_words")):
        return ""                                       # 突破5亿元大关: the mark, not what is counted
    tokens = _tokens(text, end)
    limit = end + len(text)
    phrase_end, chars, i = None, 0, 0
    while i < len(tokens):
        token = tokens[i]
        if token.word in QUOTES:                        # a quoted name is one noun: 10余名“老委员”
            close = _quoted_end(body, token.start, limit)
            if close is None or (phrase_end is None and _quoted_deed(body, token.start, close, tokens)):
                break
            phrase_end = close
            while i < len(tokens) and tokens[i].start < close:
                i += 1
            continue
        if token.word == "、":                          # 市、区政协委员: short modifiers listed
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if phrase_end is None or following is None or following.pos == "m" or chars > 3:
                break
            i += 1
            continue
        if token.word == "（" and phrase_end == token.start:      # 21个镇（街道）: the alternative name
            close = body.find("）", token.start, min(limit + 8, len(body)))
            if 0 < close - token.start <= 6:
                phrase_end = close + 1
            break
        if token.noun:
            phrase_end, chars = token.end, chars + len(token.word)
        elif (token.pos.startswith(MODIFIER_TAGS) or token.word in NEGATIONS) and phrase_end is None \
                and not (closed and token.pos.startswith("v")):
            chars += len(token.word)
        elif token.pos == "a" and i + 1 < len(tokens) and tokens[i + 1].pos == "n":
            chars += len(token.word)                    # an adjective between nouns: 政协委员优秀代表
        elif token.word == "的" and phrase_end is None and i > 0 and tokens[i - 1].pos == "a":
            chars += 1                                  # 一批扎实的提案: an adjective and 的 before the noun
        else:
            break
        if chars > MAX_CHARS:
            break
        i += 1
    return body[end:phrase_end] if phrase_end else ""


@dataclass(frozen=True)
class Before:
    """What stands before a quantity in its clause."""
    phrase: str = ""          # the noun phrase that ends there, past linking words
    share: bool = False       # a share word (占) was passed
    bare: bool = False        # nothing but linking words (or nothing) stands between the clause start and it
    linking: str = ""         # those linking words, when the clause holds nothing else
    links: int = 0            # how many there are
    verb: bool = False        # the phrase is headed by the verb next to the number (`立案199件`)
    governed: bool = False    # the phrase is the object of the verb before it (`采购消毒液200瓶`)


def _before(body: str, start: int, clause_start: int) -> Before:
    tokens = _tokens(body[clause_start:start], clause_start)
    i = len(tokens) - 1
    share = False
    while i >= 0 and (_links(tokens[i]) or _complemented(tokens, i)):
        share = share or tokens[i].word.endswith("占")
        i -= 1
    if i < 0:
        return Before(share=share, bare=True, linking=body[clause_start:start], links=len(tokens))
    end = tokens[i].end
    if tokens[i].word in QUOTES.values() and (opening := _opening_quote(tokens, i)) is not None:
        return Before(body[tokens[opening].start:end], share,       # 共有“最美志愿者”120名
                      governed=_governed(tokens, opening))
    first = _noun_run(tokens, i)
    if first == i + 1 and i > 1 and tokens[i - 1].word in QUOTES.values() and tokens[i].pos[:1] in "nv" \
            and (opening := _opening_quote(tokens, i - 1)) is not None and end - tokens[opening].start <= MAX_CHARS + 2:
        first = i                                        # “两新”组织46家: a quoted name and its noun
    if first == i + 1:                                   # no noun: the verb next to the number heads it
        head = tokens[i]
        if not (head.pos.startswith("v") and len(head.word) >= 2):
            if i > 0 and tokens[i - 1].pos.startswith("v") and _CJK_WORD.fullmatch(head.word) \
                    and not head.pos.startswith(("v", "d", "p", "c", "u", "f", "r", "t")):
                return Before(body[tokens[i - 1].start:end], share)     # 分发大米600袋: a word jieba mistags
            return Before(share=share)
        first = _noun_run(tokens, i - 1)
        if any(t.pos == "p" for t in tokens[:first]):
            first = i                                    # 为孩子捐赠1000双: the nouns are the preposition's
        if first > 0 and tokens[first - 1].word in NEGATIONS:
            first -= 1
        if first == i:
            first = _verb_phrase(tokens, i, otherwise=i)     # 已解决98条, 留作参考3件
        elif first > 1 and tokens[first - 1].word in QUOTES.values() and (opening := _opening_quote(tokens, first - 1)) \
                is not None and end - tokens[opening].start <= MAX_CHARS + 2:
            first = opening                              # “渝事好商量”活动开展了15场
        return Before(body[tokens[_alternatives(tokens, first, i)].start:end], share, verb=True)
    if first >= 1 and tokens[first - 1].word.endswith("占"):          # A占B的79.3%: A占B
        whole = _noun_run(tokens, first - 2) if first >= 2 else first - 1
        if whole < first - 1:
            return Before(body[tokens[whole].start:end])
        if all(_links(t) for t in tokens[:first - 1]):  # ，占委员总数的31%: the share of the count before
            return Before(share=True, bare=True, linking=body[clause_start:start], links=len(tokens))
    if all(t.place for t in tokens[first:i + 1]):
        return Before(share=share)                       # a place is where, not what is counted
    if first == i and tokens[i].word in _words("share_words"):      # 脱贫户占比达到42%: whose share
        first = _clause_opening(tokens, i)
        if first == i:                                   # ，占比72%: the share of the count before
            return Before(share=True, bare=True, linking=body[clause_start:start], links=len(tokens))
    if first > 1 and tokens[first - 1].word in QUOTES.values() and (opening := _opening_quote(tokens, first - 1)) \
            is not None and end - tokens[opening].start <= MAX_CHARS + 2:
        first = opening                                  # “两新”组织46家: the quoted name is part of it
    governed = _governed(tokens, first)
    if governed:
        first = _verb_phrase(tokens, first - 1, otherwise=first)     # 留作工作参考1件, 走访企业80家
    return Before(body[tokens[first].start:end], share, governed=governed)


def _opening_quote(tokens: list[Token], close: int) -> int | None:
    """The index of the quote mark that the one at `close` closes."""
    opening = next((q for q, c in QUOTES.items() if c == tokens[close].word), None)
    for n in range(close - 1, -1, -1):
        if tokens[n].word == opening:
            return n
    return None


def _governed(tokens: list[Token], first: int) -> bool:
    """The words from token `first` to the number are the object of the verb before them."""
    return first > 0 and tokens[first - 1].pos.startswith("v")


def _verb_phrase(tokens: list[Token], verb: int, otherwise: int) -> int:
    """Where the verb phrase of the verb at `verb` begins when it opens its clause (nothing but adverbs,
    times and pronouns before it), so that the verb is part of the subject (`转为社情民意信息5件`); a
    coordination opening the clause comes whole (`正在办理或已列入年度计划的有12件`); else its object alone."""
    if tokens[verb].word in _linking() or tokens[verb].word.endswith(HAVE):
        return otherwise                                 # 有老旧建筑79万平方米, 共有规上企业410家: 有 only links
    first = verb
    while first > 0 and (tokens[first - 1].pos in ("d", "v") or tokens[first - 1].word in NEGATIONS):
        first -= 1
    first = _alternatives(tokens, first, verb)
    if all(t.pos[:1] in OPENING_TAGS for t in tokens[:first]):
        return first
    return otherwise


def _alternatives(tokens: list[Token], first: int, last: int) -> int:
    """Where a phrase ending at token `last` begins when it is the second of two alternatives joined by 或
    (`已解决或基本解决`, `正在办理或已列入计划`): the first alternative's start, past the clause's opening."""
    k = first
    while k > 0 and tokens[k - 1].pos[:1] == "d":
        k -= 1
    if k > 1 and tokens[k - 1].word in ALTERNATIVES:
        opening = _clause_opening(tokens, last, past=("r", "c", "p", "x"))
        return opening if opening < k - 1 else first
    return first


_CJK_WORD = re.compile(f"[{CJK}]+")


def _listed_before(body: str, start: int) -> str:
    """What was done to the things listed before 等 and the number (`引进华为、腾讯等12家` -> 引进,
    `已解决“停车难”“用水难”等6个` -> 已解决): the verb (with its adverbs) that the list follows, or ''."""
    if not body[:start].endswith("等"):
        return ""
    floor = max(0, start - WINDOW)
    m = _list_end().search(body[floor:start - 1][::-1])
    tokens = _tokens(body[start - 1 - m.start() if m else floor:start - 1], start - 1 - m.start() if m else floor)
    quoted = False
    for n in range(len(tokens) - 1, -1, -1):
        token = tokens[n]
        if token.word in QUOTES or token.word in QUOTES.values():
            quoted = token.word in QUOTES.values()
        elif not quoted and token.pos.startswith("v") and n < len(tokens) - 1:
            if any(t.pos == "p" for t in tokens[:n]):
                return ""                                # 由A、B等5部门: the list is the preposition's
            first = n
            while first > 0 and tokens[first - 1].pos[:1] in ("d", "v"):
                first -= 1                               # 已协调解决
            return body[tokens[first].start:token.end]
    return ""


@cache
def _list_end() -> re.Pattern:
    return _punctuation("“”‘’、")          # a list's items are parted by 、 and quoted


def _links(token: Token) -> bool:
    """A word between a subject and its quantity: a linking verb (达, 占, 突破, 保持在), an adverb, a
    preposition, a time (`比上年增加`), 的 (`已办结的有3件`) and an aspect particle (`开展了15场`)."""
    if token.word.endswith(_linking()):
        return True
    return token.pos in ("d", "p", "c", "t") or token.word in ("的", "了", "过")


def _complemented(tokens: list[Token], i: int) -> bool:
    """A verb (or an adjective, 稳定) whose complement (在, 到, 至, 于) follows it links like 达: `控制在`,
    `上升到`, `已降至`, `稳定在`."""
    return (tokens[i].pos[:1] in ("v", "a") and i + 1 < len(tokens)
            and tokens[i + 1].word in _lexicon()["complements"])


def _clause_opening(tokens: list[Token], i: int, past: tuple[str, ...] = ("r", "c", "d", "p", "t", "x")) -> int:
    """The first token of the words that end at token i, past the clause's opening pronouns, conjunctions,
    adverbs… (`其中，`; tag prefixes `past`), at most MAX_CHARS characters."""
    first = i
    while first > 0 and tokens[i].end - tokens[first - 1].start <= MAX_CHARS:
        first -= 1
    while first < i and tokens[first].pos[:1] in past:
        first += 1
    return first


def _noun_run(tokens: list[Token], i: int) -> int:
    """The first index of the noun phrase that ends at token i (i + 1 when token i is no noun). A one-character
    head takes the verb before it (`出栏量`); a negation or a modifier may open it (`未立案`, `全产业链`)."""
    first, chars = i + 1, 0
    while first - 1 >= 0:
        token = tokens[first - 1]
        single = chars == 1 and token.pos.startswith("v")
        # before a quantity an `nr` is a name or a verb jieba took for one (经审查), not part of what is counted
        if not ((token.noun and (token.pos != "nr" or len(token.word) == 1)) or single) \
                or chars + len(token.word) > MAX_CHARS:
            break
        first, chars = first - 1, chars + len(token.word)
    if first <= i and first - 1 >= 0 and (tokens[first - 1].word in NEGATIONS or tokens[first - 1].pos in ("a", "b")) \
            and chars + len(tokens[first - 1].word) <= MAX_CHARS and not _after_digit(tokens, first - 1):
        first -= 1
    if first < i and first >= 2 and tokens[first - 1].word in LIST_SEPARATORS and len(tokens[first - 2].word) <= 3:
        first += 1              # 省级、市级示范社: the modifiers are listed, the head noun is what they share
    return first


def _after_digit(tokens: list[Token], i: int) -> bool:
    """Token i follows a number (`2025年全…`: jieba cuts 年全): part of a date or a quantity, not a word."""
    return i > 0 and tokens[i - 1].word[-1:].isdigit()


def _predicate(body: str, end: int) -> str:
    """What the counted things did or had done, when that is all the clause says after them: `4人获表彰`,
    `其中125个已办结`, `5部门联合承办`, `5分钟内完成预警处置`."""
    text = _clause_after(body, end).rstrip("”’")
    tokens = _tokens(text, end)
    if not tokens or len(text) > MAX_PREDICATE_CHARS or any(t.word in QUOTES for t in tokens):
        return ""
    if tokens[0].pos.startswith("v") or (tokens[0].pos.startswith(("d", "t")) and len(tokens) > 1):
        return text              # a verb, or an adverb before what it qualifies (正在办理)
    return ""


def _apposition(body: str, start: int) -> str:
    """The quoted name a demonstrative before the quantity points at: `‘土特产’这3个字` -> ‘土特产’."""
    if start < 2 or body[start - 1] not in _lexicon()["demonstratives"] or body[start - 2] not in QUOTES.values():
        return ""
    opening = max(body.rfind(q, max(0, start - 2 - MAX_CHARS), start - 2) for q in QUOTES)
    return body[opening:start - 1] if opening >= 0 else ""


def _object(phrase: str) -> str:
    """A verb-object subject without its verb, to name a share (`收到集体提案30件，占25%` -> 集体提案占比)."""
    tokens = _tokens(phrase, 0)
    if len(tokens) > 1 and tokens[0].pos.startswith("v") and tokens[-1].noun and len(phrase) - tokens[0].end >= 2:
        return phrase[tokens[0].end:]
    return phrase


def _span_deed(body: str, clause_start: int, start: int, end: int, unit: str) -> str:
    """A span of time closing its clause after 通过/经过/用… (`力争通过3至8年，建成急救圈`): what the next clause
    says is done in it, or ''."""
    lex = _lexicon()
    if unit not in lex["time_units"] or body[end:end + 1] not in ("，", "；") \
            or not body[clause_start:start].endswith(tuple(lex["span_means"])):
        return ""
    following = _clause_after(body, end + 1)
    return following if 2 <= len(following) <= MAX_CHARS else ""


def _price(body: str, clause_start: int, start: int, end: int, unit: str) -> str:
    """A sum after a selling verb is a price (`每斤能卖到8元`, `加工后能卖4元左右一斤`): 售价, per unit when the
    clause says per what (每斤…, …一斤), or ''. What is sold is the sentence's, often far before."""
    lex = _lexicon()
    if unit != "元" or not body[clause_start:start].endswith(tuple(lex["price_verbs"])):
        return ""
    per = re.match(f"一([{CJK}])", body[end:end + 2]) or re.search(f"每([{CJK}])", body[clause_start:start])
    return (f"每{per.group(1)}" if per else "") + lex["price_subject"]


def _topic(body: str, clause_start: int, start: int) -> str:
    """The first noun phrase of the clause (its topic), not a place or a person: `自家柑橘在门口只能卖2元`."""
    tokens = _tokens(body[clause_start:start], clause_start)
    for n, token in enumerate(tokens):
        if token.noun and not token.place and token.pos != "nr" and not token.word.endswith(_linking()):
            last = n
            while last + 1 < len(tokens) and tokens[last + 1].noun:
                last += 1
            return body[token.start:tokens[last].end] if tokens[last].end - token.start <= MAX_CHARS else ""
    return ""


def subject(body: str, start: int, end: int, unit: str, earlier: list[Counted]) -> str:
    """The subject of the quantity body[start:end] (of `unit`), given the quantities read before it."""
    lex = _lexicon()
    within = next((len(w) for w in INSIDE if body.startswith(w, end)), 0)
    if unit in lex["time_units"]:
        end += within
        within = 0
    elif within and body.startswith("里", end):
        within = 0                                       # 里 after a count is a word of its own
    closed = body[:end].endswith(tuple(lex["qualifiers"]["after_unit"]))
    after = _after(body, end, closed) if not within else ""     # 方圆3公里内: where, not what
    if len(after) >= 2:
        return after
    if len(after) == 1 and (named := _apposition(body, start)):
        return f"{after}（{named}）"                    # ‘土特产’这3个字: 字（‘土特产’）
    previous = earlier[-1] if earlier else None
    if not after and previous and 0 < start - previous.end <= 1 and body[previous.end:start] in LIST_SEPARATORS:
        return previous.subject                          # 3项、23项、115项
    clause_start = _clause_before(body, start)
    if not after and (special := _span_deed(body, clause_start, start, end, unit) or _price(body, clause_start, start, end, unit)):
        return special
    before = _before(body, start, clause_start)
    if not after:
        if (done := _predicate(body, end)) and not before.governed:
            return done                                  # 4人获表彰
        if listed := _listed_before(body, start):
            return listed                                # 引进华为、腾讯等12家
    share = "占比" if before.share and unit == "%" else ""
    if before.bare and before.links > 1 and not before.share and any(w in before.linking for w in lex["change_words"]):
        return before.linking                            # ，同比增长5.9%: the change is what is told
    if before.phrase and after:                          # 每人最多可捐3节课: 可捐的课; 文旅三张牌: 牌（文旅）
        return f"{before.phrase}的{after}" if before.verb else f"{after}（{before.phrase}）"
    if before.phrase:
        return before.phrase + share
    if before.bare and clause_start > 0:                 # ，占80.3%  ，方圆422.04公顷
        previous_clause = _clause_before(body, clause_start - 1)
        if previous and previous.end >= previous_clause and previous.subject:
            return (_object(previous.subject) if share else previous.subject) + share
        if named := _before(body, clause_start - 1, previous_clause).phrase:
            return named
    return after or _topic(body, clause_start, start)
