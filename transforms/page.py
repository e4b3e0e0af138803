"""One page: text in, plain rows out (one dict per row, keyed by the contract's column names).
The flow builds one frame per table per batch from these; nothing here touches files."""
from __future__ import annotations

from dataclasses import dataclass

from . import PARSER_VERSION, districts
from .dates import date_from_filename, estimate_issue_date, estimate_year, first_event_date
from .errors import PageParseError
from .headlines import assign_headlines
from .metrics import extract_metrics
from .proposals import extract_proposals
from .assembly import Draft, assemble_articles
from .lines import STRUCTURE_ITEMS, classify_lines, split_header
from .text import not_a_page, page_lines
from .tokens import content_words, keywords, word_counts


@dataclass
class PageRows:
    """A page's rows per table: `issues` has one."""
    issues: list[dict]
    articles: list[dict]
    proposals: list[dict]
    metrics: list[dict]

    def tables(self) -> dict[str, list[dict]]:
        return {"issues": self.issues, "articles": self.articles, "proposals": self.proposals, "metrics": self.metrics}


def issue_id_for(sha256: str) -> str:
    return sha256[:16]


def article_district(draft: Draft):
    """The label's district (`● 区名 ●`, or lent to a caption by its story), the headline's, else the body's."""
    if draft.district is not None:
        return draft.district
    for title in (draft.headline, draft.kicker):
        if title and (d := districts.prefix_district(title)):
            return d
    for title in (draft.headline, draft.kicker):
        if title and (d := districts.first_district(title)):
            return d
    return districts.main_district(draft.body)


def parse_page(text: str, source_name: str, sha256: str) -> PageRows:
    """Parse one page's text. Raises PageParseError (stage `parse`) for text that is no newspaper page or
    holds no recognisable article."""
    if reason := not_a_page(text):
        raise PageParseError("parse", reason)
    lines = page_lines(text)
    section, theme, first = split_header(lines)
    items = classify_lines(lines[first:])
    if section is None and not any(item.kind in STRUCTURE_ITEMS for item in items):
        raise PageParseError("parse", "no article structure: no section header, byline, 本报讯, signature or "
                                      "photo credit")
    drafts, runs = assemble_articles(items)
    if not drafts or not any(len(d.body) >= 20 for d in drafts):
        raise PageParseError("parse", "no recognisable article on the page")
    tokens = [word_counts(d.body) for d in drafts]
    assign_headlines(drafts, runs, [content_words(t) for t in tokens])

    issue_id = issue_id_for(sha256)
    bodies = [d.body for d in drafts]
    issue_date, date_source = date_from_filename(source_name), "filename"
    if issue_date is None:
        issue_date, date_source = estimate_issue_date(bodies), "text"
    if issue_date is None:
        date_source = None
    year = issue_date.year if issue_date else estimate_year("\n".join(bodies))

    articles, proposals, metrics = [], [], []
    for seq, (draft, draft_tokens) in enumerate(zip(drafts, tokens), start=1):
        article_id = f"{issue_id}-{seq:02d}"
        district = article_district(draft)
        code = district.code if district else None
        body = draft.body
        articles.append({
            "article_id": article_id, "issue_id": issue_id, "seq": seq, "kind": draft.kind.value,
            "column_name": draft.column_name, "headline": draft.headline, "kicker": draft.kicker,
            "subheads": draft.subheads, "district_code": code, "district_name": district.name if district else None,
            "reporters": draft.byline.get("reporters", []), "correspondents": draft.byline.get("correspondents", []),
            "authors": draft.byline.get("authors", []), "photographers": draft.byline.get("photographers", []),
            "body": body, "char_count": len(body), "keywords": keywords(draft_tokens),
            "event_date": first_event_date(body, year, issue_date),
        })
        for n, p in enumerate(extract_proposals(body, year, district), start=1):
            proposals.append({"proposal_id": f"{article_id}-p{n:02d}", "issue_id": issue_id,
                              "article_id": article_id, "district_code": code, **vars(p)})
        for n, m in enumerate(extract_metrics(body), start=1):
            metrics.append({"metric_id": f"{article_id}-m{n:03d}", "issue_id": issue_id,
                            "article_id": article_id, "district_code": code, **vars(m)})
    issue = {"issue_id": issue_id, "source_name": source_name, "sha256": sha256, "section": section,
             "theme": theme, "issue_date": issue_date, "issue_date_source": date_source,
             "article_count": len(articles), "parser_version": PARSER_VERSION, "loaded_at": None}
    return PageRows([issue], articles, proposals, metrics)
