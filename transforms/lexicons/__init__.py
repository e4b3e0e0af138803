"""Word lists the parser reads. Rules live in code; words live here, in YAML and CSV files."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

# The keys each lexicon must have; anything else is a typo and is rejected at load time.
LEXICON_KEYS = {
    "layout": {"sections", "columns", "roles", "terminal_punctuation", "closing_marks", "not_signatures"},
    "metrics": {"units", "excluded_units", "money", "magnitudes", "qualifiers", "not_qualifiers",
                "range_words", "date_words"},
    "proposals": {"kinds", "collective", "key", "status", "proposer_groups"},
}


class LexiconError(ValueError):
    """A lexicon file has unknown or missing keys, or an empty entry."""


def validate_lexicon(name: str, data: object) -> dict:
    if not isinstance(data, dict):
        raise LexiconError(f"lexicon {name!r}: expected a mapping, got {type(data).__name__}")
    expected = LEXICON_KEYS[name]
    unknown, missing = set(data) - expected, expected - set(data)
    if unknown:
        raise LexiconError(f"lexicon {name!r}: unknown keys {sorted(unknown)}")
    if missing:
        raise LexiconError(f"lexicon {name!r}: missing keys {sorted(missing)}")
    for key, value in data.items():
        items = value if isinstance(value, list) else list(value) if isinstance(value, dict) else [value]
        if not items or any(item in ("", None) for item in items):
            raise LexiconError(f"lexicon {name!r}: key {key!r} has an empty entry")
    return data


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
