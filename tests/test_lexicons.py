"""The word lists load through schemas that check values as well as keys."""
from typing import get_args

import pytest

from transforms.assembly import ArticleKind
from transforms.lexicons import SCHEMAS, ItemKind, LexiconError, load_districts, load_lexicon, validate_lexicon


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_lexicons_load(name):
    assert load_lexicon(name)


def test_districts_table_has_the_38_divisions():
    districts = load_districts()
    assert len(districts) == 38 and len({d.code for d in districts}) == 38
    assert {d.kind for d in districts} == {"区", "县", "自治县"}


def test_the_districts_table_agrees_with_the_official_reference(shared):
    import csv

    reference = {r["code"]: r for r in
                 csv.DictReader((shared / "reference" / "chongqing_divisions.csv").read_text(encoding="utf-8").splitlines())}
    assert {(d.code, d.name, d.short_name, d.kind) for d in load_districts()} == \
        {(c, r["name"], r["short_name"], r["kind"]) for c, r in reference.items()}


@pytest.mark.parametrize("name, key, value, message", [
    ("proposals", "kindz", {}, "unknown keys"),
    ("proposals", "status", ["办结", ""], "status.1: String should have at least 1 character"),
    ("proposals", "status", ["办结", "办结"], "listed twice"),
    ("proposals", "kinds", {"议案": ["议案"]}, "kinds"),
    ("layout", "roles", {"记者": "writers"}, "roles.记者"),
    ("layout", "columns", {"区县快递": "briefs"}, "columns.区县快递"),
    ("layout", "terminal_punctuation", "", "terminal_punctuation"),
    ("metrics", "money", {"万元": -10000}, "scales must be positive"),
    ("metrics", "units", [" 家"], "units.0"),
])
def test_a_wrong_value_is_refused_naming_its_key(name, key, value, message):
    data = {**load_lexicon(name), key: value}
    with pytest.raises(LexiconError, match=message):
        validate_lexicon(name, data)


def test_a_missing_key_is_refused():
    data = dict(load_lexicon("proposals"))
    del data["status"]
    with pytest.raises(LexiconError, match="missing keys"):
        validate_lexicon("proposals", data)


def test_a_non_mapping_is_refused():
    with pytest.raises(LexiconError, match="expected a mapping"):
        validate_lexicon("layout", ["not", "a", "mapping"])


def test_the_kinds_a_column_lexicon_may_name_are_the_article_kinds():
    assert set(get_args(ItemKind)) == {kind.value for kind in ArticleKind}
