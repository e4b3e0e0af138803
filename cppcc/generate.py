"""Synthetic district pages in the printed layout, from the project's own templates and word lists.

Used for the demo, tests and benchmarks. Deterministic for a seed. A page mixes the layouts real pages
have: column widths 17–27, headlines before or after their story, a kicker above (引题) or a 副题 below,
□ and plain bylines, letter-spaced names and justified lines, briefs signed at a line's end or on a line
of their own, `摄` / `摄影报道` / `文/图` credits, `● 区名 ●` round-ups, a brief printed inside a longer
story (its headline before or after it, a subhead of the story right after), numbers (and decimals) broken
across lines, Chinese-numeral quantities, subjects before and after their number (past 达, 增至, 稳定在),
a qualifier after the counted noun (`300双棉鞋左右`), numerals that count nothing (slogans, the article 一名,
这两项), group proposers and sessions, documents in 《》 that are no proposals, a stated year, a story
resuming at once after a brief printed inside it with the brief's headline after it, a 引题 ending with ——. `generate_page` returns what it wrote, so tests can check the parser against it."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from transforms.lexicons import District, load_districts
from transforms.numbers import NONZERO_DIGITS
from transforms.text import CJK

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红鹏飞斌宇浩凯健俊帆晨阳博文雪琳晶婷"
TOPICS = [
    ("乡村振兴", "特色产业", "农户", "合作社"), ("基层治理", "网格管理", "居民", "网格员"),
    ("生态保护", "河道治理", "村民", "巡河员"), ("民营经济", "营商环境", "企业", "企业家"),
    ("养老服务", "社区养老", "老人", "志愿者"), ("教育发展", "课后服务", "学生", "教师"),
    ("医疗卫生", "分级诊疗", "患者", "医生"), ("文旅融合", "古镇保护", "游客", "商户"),
]
ACTIONS = ["开展专题调研", "召开协商座谈会", "组织委员视察", "开展民主监督", "举办界别协商活动"]
VERBS = ["聚焦", "围绕", "着眼", "紧扣"]
TITLE_TAILS = ["凝聚合力", "建言献策", "见行见效", "出实招", "谋良策", "办实事"]
MAIN_TITLES = ["{0}有了新路径", "把{1}做实做细", "让{2}更有获得感", "为{1}添动力", "{1}走出新路子"]
# (unit, subject pattern) of counted things; {2}/{3} are the topic's people.
COUNTS = [("家", "{3}"), ("名", "{2}"), ("个", "村（社区）"), ("项", "重点任务"), ("条", "意见建议"),
          ("件", "提案"), ("人次", "{2}"), ("场", "宣讲活动"), ("亩", "种植基地"), ("公顷", "林地"),
          ("公斤", "农产品"), ("批次", "考察团"), ("场次", "演出")]
# Subjects that may stand before their number (`意见建议达300条`): nouns that jieba reads as nouns.
SUBJECTS_BEFORE = {"个": "服务站点", "项": "重点任务", "条": "意见建议", "件": "提案", "公顷": "林地", "公斤": "农产品",
                   "批次": "考察团", "亩": "耕地"}
LINKS = ["达", "累计", "共", "", "增至", "稳定在"]
# Goods counted with a measure word, the qualifier printed after the noun (`300箱慰问品左右`).
GOODS = [("箱", "慰问品"), ("袋", "化肥"), ("双", "棉鞋"), ("盒", "牛奶"), ("瓶", "消毒液")]
SECTORS = ["农业", "经济", "教育", "医卫", "科技"]
# Sentences with numerals that count nothing: a slogan, the article 一名, a demonstrative, a set word.
NOT_QUANTITIES = ["该{kind}政协开展百名委员进百村活动。", "委员们纷纷表示，要做一名有担当的政协委员。",
                  "这两项举措得到群众认可。", "委员们紧扣四轮驱动战略持续发力。"]
COLUMN_BRIEFS = "区县快递"
COLUMN_PHOTOS = "图片新闻"
BANNER = "助力“六区一高地”建设"


@dataclass
class GeneratedArticle:
    kind: str
    district: str
    headline: str | None
    kicker: str | None
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    photographers: list[str] = field(default_factory=list)
    metrics: list[tuple[float, str, str | None, str]] = field(default_factory=list)  # value, unit, qualifier, subject
    proposals: list[GeneratedProposal] = field(default_factory=list)
    body_start: str = ""
    subheads: list[str] = field(default_factory=list)
    event_day: tuple[int, int] | None = None       # (month, day) of the date that opens it


@dataclass(frozen=True)
class GeneratedProposal:
    title: str
    proposer: str | None
    session: str | None
    is_collective: bool
    is_key: bool


@dataclass
class GeneratedPage:
    text: str
    articles: list[GeneratedArticle]
    year: int | None                                # the year the page states (None: no year dates it)
    layouts: set[str] = field(default_factory=set)  # the layout variants it has, for the tests

    @property
    def issue_date(self):
        """The publication date its text gives: the latest event of its year (all its events share a month)."""
        from datetime import date

        days = [a.event_day for a in self.articles if a.event_day]
        return date(self.year, *max(days)) if self.year and days else None


class _Page:
    """One page being written: its random source, layout choices and lines."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.spaced_digits = self.rng.random() < 0.7        # `124 家` as printed, or `124家`
        self.month = self.rng.randint(1, 12)
        self.year = self.rng.choice([2023, 2024, 2025]) if self.rng.random() < 0.8 else None
        self.year_stated = False
        self.names: set[str] = set()
        self.layouts: set[str] = set()

    # -- words

    def name(self, length: int | None = None) -> str:
        while True:
            given = length - 1 if length else self.rng.choice((1, 2, 2))
            name = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(given))
            if name not in self.names:
                self.names.add(name)
                return name

    def spaced_name(self, name: str) -> str:
        """A two-character name is often printed letter-spaced (`贺 敏`)."""
        return " ".join(name) if len(name) == 2 and self.rng.random() < 0.3 else name

    def number(self, text: str) -> str:
        """Digits set apart from Chinese characters (`124 家`), as most pages print them."""
        if not self.spaced_digits:
            return text
        return re.sub(rf"(?<=[{CJK}])(?=[\d])|(?<=[\d%])(?=[{CJK}])", " ", text)

    # -- quantities

    def quantity(self, topic: tuple, art: GeneratedArticle) -> str:
        """A clause stating one quantity, its subject after the number (`覆盖300家合作社`) or before it
        (`意见建议达300条`); records it on the article."""
        unit, subject = self.rng.choice(COUNTS)
        subject = subject.format(*topic)
        before = unit in SUBJECTS_BEFORE and self.rng.random() < 0.4
        if before:
            subject = SUBJECTS_BEFORE[unit]
            self.layouts.add("subject before the number")
        roll = self.rng.random()
        if roll < 0.15:                                   # 7万余名, 2.5万亩
            n = self.rng.choice([self.rng.randint(2, 9), round(self.rng.uniform(1.1, 9.9), 1)])
            q = self.rng.choice(["余", "多", None])
            value, written = n * 10000.0, f"{n}万{q or ''}"
        elif roll < 0.3:                                  # 两千余人, 三场
            n = self.rng.randint(2, 9)
            big = self.rng.choice([("十", 10), ("百", 100), ("千", 1000), ("", 1)])
            q = self.rng.choice(["余", None]) if big[1] > 1 else None
            value, written = float(n * big[1]), f"{NONZERO_DIGITS[n - 1].replace('二', '两')}{big[0]}{q or ''}"
        elif roll < 0.4:                                  # 约300家, 近300家, 超300家
            n, q = self.rng.randint(30, 900), self.rng.choice(["约", "近", "超"])
            value, written = float(n), f"{q}{n}"
        else:
            n = self.rng.randint(3, 9000)
            q = self.rng.choice(["余", "多", None, None, None])
            value, written = float(n), f"{n}{q or ''}"
        art.metrics.append((value, unit, q, subject))
        if before:
            return f"{subject}{self.rng.choice(LINKS)}{written}{unit}"
        return f"覆盖{written}{unit}{subject}"

    def goods(self, topic: tuple, art: GeneratedArticle) -> str:
        """Goods handed out, the qualifier after the counted noun: `为老人送去300双棉鞋左右`."""
        unit, noun = self.rng.choice(GOODS)
        n = self.rng.randint(20, 2000)
        q = self.rng.choice(["左右", "以上"])
        art.metrics.append((float(n), unit, q, noun))
        self.layouts.add("qualifier after the counted noun")
        return f"为{topic[2]}送去{n}{unit}{noun}{q}"

    def money(self, art: GeneratedArticle) -> str:
        value = round(self.rng.uniform(1.05, 99.5), 2)
        mag, scale = self.rng.choice([("万元", 10_000), ("亿元", 100_000_000)])
        art.metrics.append((round(value * scale, 6), "元", None, "资金"))
        return f"{value}{mag}"

    def percent(self, art: GeneratedArticle) -> str:
        value = round(self.rng.uniform(1, 99), 1)
        art.metrics.append((value, "%", None, "满意度"))
        return f"{value}%"

    # -- text

    def paragraphs(self, d: District, topic: tuple, art: GeneratedArticle, count: int, proposal: bool) -> list[str]:
        day = self.rng.randint(1, 28)
        art.event_day = (self.month, day)
        first = (f"{self.month}月{day}日，{d.name}政协{self.rng.choice(ACTIONS)}，{self.rng.choice(VERBS)}"
                 f"“{topic[0]}”主题深入交流，为{topic[1]}建言献策。")
        if self.year and not self.year_stated:           # the page states its year once
            first += f"{self.year}年，该{d.kind[-1]}政协聚焦{topic[1]}持续发力。"
            self.year_stated = True
        paras = [first]
        kind = d.kind[-1]
        for _ in range(count - 1):
            sentence = (f"据了解，该{kind}已累计服务{topic[2]}，{self.quantity(topic, art)}，"
                        f"{topic[3]}{self.rng.choice(['纷纷点赞', '积极参与', '表示认可'])}。")
            if self.rng.random() < 0.4:
                sentence += f"满意度同比提升{self.percent(art)}。"
            if self.rng.random() < 0.25:
                sentence += f"全年投入资金{self.money(art)}。"
            if self.rng.random() < 0.15:
                sentence += f"委员们还{self.goods(topic, art)}。"
            if self.rng.random() < 0.15:
                sentence += self.rng.choice(NOT_QUANTITIES).format(kind=kind)
                self.layouts.add("numerals that count nothing")
            paras.append(sentence + f"委员们表示，将持续关注{topic[1]}工作，推动各项举措落地见效。")
        if proposal:
            paras.append(self.proposal(d, topic, art))
        art.body_start = first[:12]
        return [self.number(p) for p in paras]

    def proposal(self, d: District, topic: tuple, art: GeneratedArticle) -> str:
        """A paragraph naming one proposal: by the members (a key proposal), or by a group, at a session or
        not; now and then beside a document in 《》 that is no proposal."""
        title = f"关于推进{d.short_name}{topic[1]}提质增效的建议"
        owner = d.short_name + d.kind[-1]
        roll = self.rng.random()
        if roll < 0.4:
            art.proposals.append(GeneratedProposal(title, None, None, False, True))
            text = f"此前，委员们提交提案《{title}》，被列为重点提案，推动相关部门形成工作闭环。"
        else:
            sector = self.rng.choice(SECTORS)
            group = self.rng.choice([f"民进{owner}委", f"{sector}界别", f"{sector}界别委员小组"])
            session = f"{owner}政协{self.rng.choice('四五六')}届{self.rng.choice('一二三四五')}次会议" if roll < 0.7 else None
            art.proposals.append(GeneratedProposal(title, group, session, True, False))
            at = f"在{d.name}{session.removeprefix(owner)}上，" if session else "此前，"
            text = f"{at}{group}提交集体提案《{title}》，推动相关部门形成工作闭环。"
            self.layouts.add("group proposer")
        if self.rng.random() < 0.3:
            text += f"会上，委员们还学习了《{owner}政协提案工作规则》，提案质量明显提升。"
            self.layouts.add("document in 《》")
        return text

    def wrap(self, paragraph: str, width: int) -> list[str]:
        """Cut a paragraph into printed lines `width` cells wide (digits and spaces are half a cell). Lines
        break anywhere — inside numbers and decimals too — but never start with punctuation; a few lines
        with little text are justified, a space between every character."""
        tokens = re.findall(rf" ?（[{CJK} ]{{2,12}}）$|.", paragraph)
        for n in range(len(tokens) - 1, 0, -1):
            if tokens[n] in "，。、；：！？”）%":
                tokens[n - 1] += tokens.pop(n)
        lines, line, cells = [], "", 0.0
        for token in tokens:
            line += token
            cells += sum(0.5 if c.isascii() else 1.0 for c in token)
            if cells >= width:
                lines.append(line.strip())
                line, cells = "", 0.0
        if line.strip():
            lines.append(line.strip())
        out = []
        for n, ln in enumerate(lines):
            justified = (0 < n < len(lines) - 1 and len(ln) > 6 and self.rng.random() < 0.03
                         and not re.search(r"[（）\d\s%.]", ln))
            out.append(" ".join(ln) if justified else ln)
        return out


def _fits_as_title(text: str, width: int) -> bool:
    """A title the layout tells from text: clearly narrower than its column, or wider than it."""
    cells = sum(0.5 if c.isascii() else 1.0 for c in text)
    return cells + 2 < 0.8 * width - 1 or cells > width + 4.5


def _titles(page: _Page, d: District, topic: tuple, width: int, pair: bool) -> tuple[str, str | None, list[str]]:
    """(headline, kicker, printed lines): one line `区名：…`, or a main title with a kicker above it
    (naming the district) or a 副题 below it (`——…`)."""
    rng = page.rng
    if not pair:
        for _ in range(20):
            headline = f"{d.short_name}：{rng.choice(VERBS)}{topic[1]}{rng.choice(TITLE_TAILS)}"
            if _fits_as_title(headline, width) or len(headline) <= 16:
                return headline, None, [headline]
        return headline, None, [headline]
    for _ in range(40):
        headline = rng.choice(MAIN_TITLES).format(*topic)
        kicker = f"{d.name if rng.random() < 0.5 else d.short_name + d.kind[-1]}政协{rng.choice(ACTIONS)}"
        if _fits_as_title(headline, width) and _fits_as_title(kicker, width):
            break
    roll = rng.random()
    if roll < 0.35:
        return headline, kicker, [kicker, headline]
    if roll < 0.5:                                     # a 引题 marked by the dash it ends with
        page.layouts.add("kicker ending with ——")
        return headline, kicker, [kicker + "——", headline]
    return headline, kicker, [headline, "——" + kicker]


def _feature(page: _Page, d: District, topic: tuple, width: int, inner: list[str] | None = None,
             subhead: bool = True) -> tuple[GeneratedArticle, list[str]]:
    rng = page.rng
    headline, kicker, heads = _titles(page, d, topic, width, pair=True)
    art = GeneratedArticle("feature", d.name, headline, kicker)
    style = rng.random()
    if style < 0.5:
        art.reporters, art.correspondents = [page.name()], [page.name() for _ in range(rng.choice((1, 2)))]
        byline = f"□ 本报记者 {art.reporters[0]} 通讯员 {' '.join(page.spaced_name(n) for n in art.correspondents)}"
    elif style < 0.7:
        art.correspondents = [page.name() for _ in range(rng.choice((1, 2)))]
        byline = "通讯员 " + " ".join(page.spaced_name(n) for n in art.correspondents)
    elif style < 0.85:
        art.authors = [page.name()]
        byline = f"□ {art.authors[0]}"
    else:
        art.reporters = [page.name()]
        byline = f"{rng.choice(['见习记者', '特约记者', '本报记者'])} {art.reporters[0]}"
    paras = page.paragraphs(d, topic, art, 4, proposal=rng.random() < 0.5)
    block = [byline]
    for n, para in enumerate(paras):
        if n == 2:
            if inner:              # a brief of another column printed inside the story
                block += inner
            if subhead:
                art.subheads.append(f"{topic[1]}见实效")
                block.append(art.subheads[-1])
        block += page.wrap(para, width)
    return art, heads + block


def _news(page: _Page, d: District, topic: tuple, width: int) -> tuple[GeneratedArticle, list[str], list[str]]:
    rng = page.rng
    headline, kicker, heads = _titles(page, d, topic, width, pair=rng.random() < 0.4)
    art = GeneratedArticle("news", d.name, headline, kicker)
    art.reporters = [page.name() for _ in range(rng.choice((1, 1, 2)))]
    art.correspondents = [page.name() for _ in range(rng.choice((0, 1)))]
    role = rng.choice(["记者", "记者", "全媒体记者"])
    byline = f"{role} {' '.join(art.reporters)}" + (f" 通讯员 {art.correspondents[0]}" if art.correspondents else "")
    paras = page.paragraphs(d, topic, art, 3, proposal=rng.random() < 0.3)
    paras[0] = f"本报讯（{byline}）" + paras[0]
    return art, heads, [ln for p in paras for ln in page.wrap(p, width)]


def _brief(page: _Page, d: District, topic: tuple, width: int) -> tuple[GeneratedArticle, list[str], list[str]]:
    headline, _, heads = _titles(page, d, topic, width, pair=False)
    art = GeneratedArticle("brief", d.name, headline, None)
    art.authors = [page.name()]
    paras = page.paragraphs(d, topic, art, 2, proposal=False)
    paras[0] = "本报讯 " + paras[0]
    signature = f"（{page.spaced_name(art.authors[0])}）"
    block = [ln for p in paras for ln in page.wrap(p, width)]
    if page.rng.random() < 0.6:
        block[-1] += " " + signature
    else:
        block.append(signature)
    return art, heads, block


def _photo(page: _Page, d: District | None, topic: tuple, width: int, lent: District) -> tuple[GeneratedArticle, list[str]]:
    """A caption and its credit; without `d` the caption names no district and takes `lent`'s."""
    rng = page.rng
    art = GeneratedArticle("photo", (d or lent).name, None, None)
    where = f"{d.name}政协" if d else "委员们"
    caption = (f"近日，{where}组织委员深入一线察看{topic[1]}推进情况，"
               f"并召开专题协商会，为{topic[0]}出谋划策。图为委员们在现场察看。")
    art.body_start = caption[:12]
    art.photographers = [page.name()]
    style = rng.random()
    if style < 0.5:
        credit = f"{art.photographers[0]} 摄"
    elif style < 0.8:
        credit = f"{art.photographers[0]} 摄影报道"
    else:
        credit = f"本报记者 {art.photographers[0]} 摄"
    return art, page.wrap(caption, width) + [credit]


def _round_up(page: _Page, districts: list[District], topic: tuple, width: int) -> tuple[list[GeneratedArticle], list[str]]:
    """`● 区名 ●` items: each a brief of its label's district; one may go unsigned (never the last)."""
    arts, lines = [], []
    unsigned = page.rng.randrange(len(districts) - 1) if len(districts) > 1 and page.rng.random() < 0.5 else -1
    for n, d in enumerate(districts):
        art = GeneratedArticle("brief", d.name, None, None)
        paras = page.paragraphs(d, topic, art, 1, proposal=False)
        body = page.wrap(paras[0], width)
        if n != unsigned:
            art.authors = [page.name()]
            signature = f"（{page.spaced_name(art.authors[0])}）"
            if page.rng.random() < 0.6:
                body[-1] += " " + signature
            else:
                body.append(signature)
        lines += [f"● {d.short_name}{d.kind[-1] if d.kind != '区' else '区'} ●"] + body
        arts.append(art)
    return arts, lines


def generate_page(seed: int) -> GeneratedPage:
    page = _Page(seed)
    rng = page.rng
    pool = rng.sample(list(load_districts()), 12)
    take = pool.pop
    lines: list[str] = [" 区 县"] + ([BANNER] if rng.random() < 0.8 else [])
    articles: list[GeneratedArticle] = []
    previous_width = None

    def width() -> int:
        """A column width, 17–27 cells, different from the previous item's."""
        nonlocal previous_width
        previous_width = rng.choice([w for w in range(17, 28) if previous_width is None or abs(w - previous_width) >= 5])
        return previous_width

    plan = ["feature", "news", "news", "brief", "photo", rng.choice(["round_up", "news", "brief"])]
    rng.shuffle(plan)
    briefs_label_done = photos_label_done = False
    headline_after = False          # the item just written has its headline after it
    for kind in plan:
        topic = rng.choice(TOPICS)
        w = width()
        if kind == "feature":
            inner_art = inner = None
            subhead = True
            if rng.random() < 0.35:                 # a brief of another column printed inside the story
                inner_art, inner_heads, inner_block = _brief(page, take(), rng.choice(TOPICS), width())
                if rng.random() < 0.5:
                    inner = inner_heads + inner_block
                    page.layouts.add("insert, headline before")
                else:                               # its headline after it, the story's subhead right after
                    inner = inner_block + inner_heads
                    page.layouts.add("insert, headline after")
                    if rng.random() < 0.4:          # or the story resumes at once, without a subhead
                        subhead = False
                        page.layouts.add("insert, headline after, story resumes without a subhead")
                previous_width = w
            art, block = _feature(page, take(), topic, w, inner, subhead)
            lines += block
            articles += [art] + ([inner_art] if inner_art else [])
            headline_after = False
        elif kind in ("news", "brief"):
            art, heads, block = (_news if kind == "news" else _brief)(page, take(), topic, w)
            label = [COLUMN_BRIEFS] if kind == "brief" and not briefs_label_done and rng.random() < 0.6 else []
            briefs_label_done |= bool(label)
            after = rng.random() < 0.5
            if headline_after and not after and not label:
                page.layouts.add("headline after, then the next headline before")
            lines += label + (block + heads if after else heads + block)
            articles.append(art)
            headline_after = after
        elif kind == "photo" and rng.random() < 0.4:
            # A caption printed right before a story names no district and takes the story's; the story's
            # headline comes after it.
            d = take()
            story, heads, block = _news(page, d, rng.choice(TOPICS), width())
            photo, caption = _photo(page, None, topic, w, lent=d)
            lines += caption + block + heads
            articles += [photo, story]
            headline_after = True
        elif kind == "photo":
            label = [COLUMN_PHOTOS] if not photos_label_done and rng.random() < 0.5 else []
            photos_label_done |= bool(label)
            art, block = _photo(page, take(), topic, w, lent=pool[-1])
            lines += label + block
            articles.append(art)
            headline_after = False
        else:
            arts, block = _round_up(page, [take() for _ in range(rng.randint(2, 4))], topic, w)
            lines += block
            articles += arts
            headline_after = False
    return GeneratedPage("\n\n".join(lines) + "\n\n", articles, page.year if page.year_stated else None,
                         page.layouts)


def write_pages(out: Path, pages: int, seed: int = 0) -> list[Path]:
    """Write `pages` generated pages to `out` (file names carry a date); returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(pages):
        page = generate_page(seed * 1_000_003 + n)
        day = 1 + n % 28
        path = out / f"2025-{1 + (n // 28) % 12:02d}-{day:02d}_demo_{seed}_{n:05d}.txt"
        path.write_text(page.text, encoding="utf-8")
        paths.append(path)
    return paths
