"""Synthetic district pages in the printed layout, from the project's own templates and word lists.

Used for the demo, tests and benchmarks. Deterministic for a seed. `generate_page` also returns
what it wrote (headlines, bylines, metrics, proposals), so tests can check the parser against it.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from transforms.lexicons import load_districts

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
COUNT_UNITS = [("家", "{3}"), ("名", "{2}"), ("个", "村（社区）"), ("项", "重点任务"), ("条", "意见建议"),
               ("件", "提案"), ("人次", "{2}"), ("场", "宣讲活动"), ("亩", "种植基地")]
QUALIFIERS_AFTER = ["余", "多"]
COLUMN_BRIEFS = "区县快递"
COLUMN_PHOTOS = "图片新闻"


@dataclass
class GeneratedArticle:
    kind: str
    district: str
    headline: str
    kicker: str | None
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    photographers: list[str] = field(default_factory=list)
    metrics: list[tuple[float, str, str | None]] = field(default_factory=list)   # (value, unit, qualifier)
    proposals: list[str] = field(default_factory=list)
    body_start: str = ""


@dataclass
class GeneratedPage:
    text: str
    articles: list[GeneratedArticle]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _names(rng: random.Random, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = _name(rng)
        if name not in out:
            out.append(name)
    return out


def _wrap(text: str, width: int, rng: random.Random) -> list[str]:
    """Cut running text into printed lines of `width` characters; digits are narrower, and some
    justified lines get a space between every character."""
    # Typesetting keeps a signature "（name）" whole and never starts a line with punctuation.
    tokens = re.findall(r" ?（[\u4e00-\u9fff]{2,4}）|.", text)
    for n in range(len(tokens) - 1, 0, -1):
        if tokens[n] in "，。、；：！？”）%":
            tokens[n - 1] += tokens.pop(n)
    lines, line, cells = [], "", 0.0
    for ch in tokens:
        line += ch
        cells += sum(0.5 if c.isascii() else 1.0 for c in ch)
        if cells >= width:
            lines.append(line)
            line, cells = "", 0.0
    if line:
        lines.append(line)
    out = []
    for ln in lines:
        # Justified lines: letters spread over the full width (never a byline, signature or number).
        if rng.random() < 0.03 and len(ln) > 6 and not re.search(r"[（）\d\s]|本报讯", ln):
            ln = " ".join(ln)
        out.append(ln)
    return out


def _paragraph_lines(paragraph: str, width: int, rng: random.Random) -> list[str]:
    return _wrap(paragraph, width, rng)


def _count(rng: random.Random, topic: tuple) -> tuple[str, float, str, str | None]:
    unit, subject = rng.choice(COUNT_UNITS)
    subject = subject.format(*topic)
    if rng.random() < 0.2:
        n = rng.randint(2, 9)
        q = rng.choice(QUALIFIERS_AFTER)
        return f"{n} 万{q}{unit}{subject}", n * 10000.0, unit, q
    n = rng.randint(3, 900)
    if rng.random() < 0.3:
        q = rng.choice(QUALIFIERS_AFTER)
        return f"{n} {q}{unit}{subject}", float(n), unit, q
    return f"{n} {unit}{subject}", float(n), unit, None


def _body(rng: random.Random, district: str, topic: tuple, n_paragraphs: int, art: GeneratedArticle,
          month: int, with_proposal: bool) -> list[str]:
    paras = []
    day = rng.randint(1, 28)
    first = (f"{month} 月 {day} 日，{district}政协{rng.choice(ACTIONS)}，{rng.choice(VERBS)}“{topic[0]}”"
             f"主题深入交流，为{topic[1]}建言献策。")
    art.body_start = first.replace(" ", "")[:12]
    paras.append(first)
    for _ in range(n_paragraphs - 1):
        surface, value, unit, q = _count(rng, topic)
        art.metrics.append((value, unit, q))
        sentence = (f"据了解，该{'区' if district.endswith('区') else '县'}已累计服务{topic[2]}，覆盖 {surface}，"
                    f"{topic[3]}{rng.choice(['纷纷点赞', '积极参与', '表示认可'])}。")
        if rng.random() < 0.4:
            pct = round(rng.uniform(1, 99), 1)
            sentence += f"满意度同比提升 {pct}%。"
            art.metrics.append((pct, "%", None))
        paras.append(sentence + f"委员们表示，将持续关注{topic[1]}工作，推动各项举措落地见效。")
    if with_proposal:
        title = f"关于推进{district[:2]}{topic[1]}提质增效的建议"
        art.proposals.append(title)
        paras.append(f"此前，委员们提交提案《{title}》，被列为重点提案，推动相关部门形成工作闭环。")
    return paras


def generate_page(seed: int) -> GeneratedPage:
    rng = random.Random(seed)
    districts = rng.sample([d for d in load_districts()], 6)
    month = rng.randint(1, 12)
    lines: list[str] = [" 区 县", "助力“六区一高地”建设"]
    articles: list[GeneratedArticle] = []
    briefs_label_done = False
    for i, d in enumerate(districts):
        topic = rng.choice(TOPICS)
        kind = ["feature", "news", "news", "brief", "brief", "photo"][i]
        width = {"feature": 24, "news": rng.choice((15, 24)), "brief": 15, "photo": 30}[kind]
        short = d.short_name
        if kind == "feature":
            art = GeneratedArticle(kind, d.name, f"{topic[0]}有了新路径", f"{d.name}政协{rng.choice(ACTIONS)}")
            art.reporters, art.correspondents = _names(rng, 1), _names(rng, rng.choice((1, 2)))
            block = [f"□ 本报记者 {art.reporters[0]} 通讯员 {' '.join(art.correspondents)}"]
            paras = _body(rng, d.name, topic, 4, art, month, with_proposal=rng.random() < 0.7)
            for n, para in enumerate(paras):
                if n == 2:
                    block.append(f"{topic[1]}见实效")
                block += _paragraph_lines(para, width, rng)
            titles = [art.kicker, art.headline]
        elif kind == "news":
            art = GeneratedArticle(kind, d.name, f"{short}：{rng.choice(VERBS)}{topic[1]}凝聚合力", None)
            art.reporters = _names(rng, 1)
            art.correspondents = _names(rng, rng.choice((0, 1)))
            byline = f"记者 {art.reporters[0]}" + (f" 通讯员 {art.correspondents[0]}" if art.correspondents else "")
            paras = _body(rng, d.name, topic, 3, art, month, with_proposal=rng.random() < 0.3)
            paras[0] = f"本报讯（{byline}）" + paras[0]
            block = [ln for para in paras for ln in _paragraph_lines(para, width, rng)]
            titles = [art.headline]
        elif kind == "brief":
            art = GeneratedArticle(kind, d.name, f"{short}：{rng.choice(ACTIONS)}助推{topic[1]}", None)
            art.authors = _names(rng, 1)
            paras = _body(rng, d.name, topic, 2, art, month, with_proposal=False)
            paras[0] = "本报讯 " + paras[0]
            paras[-1] += f" （{art.authors[0]}）"
            block = [ln for para in paras for ln in _paragraph_lines(para, width, rng)]
            titles = [art.headline]
            if not briefs_label_done:
                titles = [COLUMN_BRIEFS] + titles
                briefs_label_done = True
        else:
            art = GeneratedArticle(kind, d.name, "", None)
            art.photographers = _names(rng, 1)
            paras = _body(rng, d.name, topic, 1, art, month, with_proposal=False)
            block = [ln for para in paras for ln in _paragraph_lines(para, width, rng)]
            block.append(f"{art.photographers[0]} 摄")
            titles = [COLUMN_PHOTOS]
        # Headlines stand before or after their story; column labels always before.
        labels = [t for t in titles if t in (COLUMN_BRIEFS, COLUMN_PHOTOS)]
        heads = [t for t in titles if t not in labels]
        if kind != "feature" and rng.random() < 0.5:
            lines += labels + block + heads
        else:
            lines += labels + heads + block
        articles.append(art)
    return GeneratedPage("\n\n".join(lines) + "\n\n", articles)


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
