"""Word lists the parser reads. Rules live in code; words live here, in YAML and CSV files.

Each YAML file has a schema (a pydantic model below) that checks its values as well as its keys: a typo
in a key, an empty word, a role that names no byline column or a unit scale that is not a number is
refused when the file loads, with the file and the key in the message."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from cppcc.errors import CppccError


class LexiconError(CppccError):
    """A lexicon file has unknown or missing keys, or a value of the wrong kind."""


def _words_unique(words: list[str]) -> list[str]:
    duplicates = sorted({w for w in words if words.count(w) > 1})
    if duplicates:
        raise ValueError(f"listed twice: {duplicates}")
    return words


Word = Annotated[str, Field(min_length=1, pattern=r"^\S(.*\S)?$")]
Words = Annotated[list[Word], Field(min_length=1), AfterValidator(_words_unique)]
Chars = Annotated[str, Field(min_length=1)]
BylineColumn = Literal["reporters", "correspondents", "authors", "photographers"]
ItemKind = Literal["feature", "news", "brief", "photo"]


class _Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HeadlineMatch(_Lexicon):
    same_district: float
    other_district: float = Field(le=0)
    shared_words: float = Field(ge=0)
    adjacent: float = Field(ge=0)
    minimum: float


class Layout(_Lexicon):
    sections: Words
    columns: dict[Word, ItemKind | None] = Field(min_length=1)
    roles: dict[Word, BylineColumn] = Field(min_length=1)
    credit_words: Words
    slash_roles: dict[Word, BylineColumn] = Field(min_length=1)
    item_marks: Chars
    list_bullets: Chars
    kicker_lead: Chars
    sentence_ends: Chars
    clause_ends: Chars
    headline_match: "HeadlineMatch"
    terminal_punctuation: Chars
    closing_marks: Chars
    not_signatures: Words


class Qualifiers(_Lexicon):
    before: Words
    after_number: Words
    after_unit: Words


class Metrics(_Lexicon):
    units: Words
    excluded_units: Words
    money: dict[Word, float] = Field(min_length=1)
    qualifiers: Qualifiers
    not_qualifiers: Words
    range_words: Words
    date_words: Words
    relative_time: Words
    numeral_phrases: Words
    linking_words: Words
    change_words: Words
    complements: Words
    threshold_words: Words
    share_words: Words
    span_means: Words
    price_verbs: Words
    price_subject: Word
    demonstratives: Words
    set_word_tags: Words
    article_verbs: Words
    time_units: Words

    @field_validator("money")
    @classmethod
    def _positive(cls, scales: dict[str, float]) -> dict[str, float]:
        if any(v <= 0 for v in scales.values()):
            raise ValueError("scales must be positive numbers")
        return scales


class Proposals(_Lexicon):
    kinds: dict[Literal["提案", "社情民意信息"], Words]
    submission_verbs: Words
    cppcc_markers: Words
    not_proposal: Words
    collective: Words
    key: Words
    status: Words
    anaphors: Words
    proposer_groups: Words
    group_followers: Words
    lead_in_words: Words
    parties: Words
    document_endings: Words


class TokenWords(_Lexicon):
    added_nouns: Words
    read_as_nouns: Words
    place_endings: Words


class Dates(_Lexicon):
    future_cues: Words
    cutoff_words: Words
    since_after: Words
    since_before: Words
    future_after: Words
    done_after: Words
    named_since: dict[Word, Annotated[int, Field(ge=1949, le=2100)]] = Field(min_length=1)
    relative_years: dict[Word, Annotated[int, Field(ge=-10, le=10)]] = Field(min_length=1)


SCHEMAS: dict[str, type[_Lexicon]] = {"layout": Layout, "metrics": Metrics, "proposals": Proposals, "dates": Dates,
                                      "words": TokenWords}
# The keys each lexicon must have (from its schema).
LEXICON_KEYS = {name: set(model.model_fields) for name, model in SCHEMAS.items()}


def validate_lexicon(name: str, data: object) -> dict:
    """The lexicon as plain data, or LexiconError naming the file and the key that is wrong."""
    if not isinstance(data, dict):
        raise LexiconError(f"lexicon {name!r}: expected a mapping, got {type(data).__name__}")
    unknown, missing = set(data) - LEXICON_KEYS[name], LEXICON_KEYS[name] - set(data)
    if unknown:
        raise LexiconError(f"lexicon {name!r}: unknown keys {sorted(unknown)}")
    if missing:
        raise LexiconError(f"lexicon {name!r}: missing keys {sorted(missing)}")
    try:
        return SCHEMAS[name].model_validate(data).model_dump()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise LexiconError(f"lexicon {name!r}: {where}: {error['msg']} (got {error.get('input')!r})") from None


@cache
def load_lexicon(name: str) -> dict:
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return validate_lexicon(name, yaml.safe_load(text))


@dataclass(frozen=True)
class District:
    code: str
    name: str
    short_name: str
    kind: str


@cache
def load_districts() -> tuple[District, ...]:
    text = resources.files(__package__).joinpath("districts.csv").read_text(encoding="utf-8")
    return tuple(District(r["district_code"], r["name"], r["short_name"], r["kind"])
                 for r in csv.DictReader(text.splitlines()))
