import pytest

from transforms.lexicons import LexiconError, load_districts, load_lexicon, validate_lexicon


@pytest.mark.parametrize("name", ["layout", "metrics", "proposals"])
def test_shipped_lexicons_load(name):
    assert load_lexicon(name)


def test_districts_table_has_the_38_divisions():
    districts = load_districts()
    assert len(districts) == 38 and len({d.code for d in districts}) == 38
    assert {d.kind for d in districts} == {"区", "县", "自治县"}


def test_unknown_key_is_rejected():
    data = {**load_lexicon("proposals"), "kindz": {}}
    with pytest.raises(LexiconError, match="unknown keys"):
        validate_lexicon("proposals", data)


def test_missing_key_is_rejected():
    data = dict(load_lexicon("proposals"))
    del data["status"]
    with pytest.raises(LexiconError, match="missing keys"):
        validate_lexicon("proposals", data)


def test_empty_entry_is_rejected():
    data = {**load_lexicon("proposals"), "status": ["办结", ""]}
    with pytest.raises(LexiconError, match="empty entry"):
        validate_lexicon("proposals", data)


def test_non_mapping_is_rejected():
    with pytest.raises(LexiconError, match="expected a mapping"):
        validate_lexicon("layout", ["not", "a", "mapping"])
