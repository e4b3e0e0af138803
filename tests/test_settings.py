"""One validated settings object: defaults written once, bad values named in one line, a config file,
and the README's table generated from it."""
from pathlib import Path

import pytest

from cppcc.settings import Settings, SettingsError, load_settings, settings_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_derive_every_path_from_the_data_folder(monkeypatch):
    monkeypatch.setenv("CPPCC_DATA", "/srv/cppcc")
    s = load_settings()
    assert (str(s.inbox), s.warehouse, str(s.quarantine)) == \
        ("/srv/cppcc/inbox", "/srv/cppcc/warehouse.ducklake", "/srv/cppcc/quarantine")
    assert str(s.data_files) == "/srv/cppcc/warehouse.ducklake.files"


@pytest.mark.parametrize("variable, value, message", [
    ("CPPCC_WORKERS", "two", "CPPCC_WORKERS: Input should be a valid integer"),
    ("CPPCC_BATCH_SIZE", "0", "CPPCC_BATCH_SIZE: Input should be greater than or equal to 1"),
    ("CPPCC_SETTLE_SECONDS", "-1", "CPPCC_SETTLE_SECONDS: Input should be greater than or equal to 0"),
    ("CPPCC_MAX_FILE_BYTES", "lots", "CPPCC_MAX_FILE_BYTES: Input should be a valid integer"),
    ("CPPCC_WAREHOUSE", "postgres:dbname=cppcc", "needs CPPCC_DATA_FILES"),
])
def test_a_bad_value_is_one_line_naming_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message) or message in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value)


def test_command_line_options_win_over_the_environment_and_the_config_file(monkeypatch, tmp_path):
    config = tmp_path / "cppcc.toml"
    config.write_text('workers = 3\nbatch_size = 50\ndata = "/from/file"\n')
    monkeypatch.setenv("CPPCC_CONFIG", str(config))
    monkeypatch.setenv("CPPCC_BATCH_SIZE", "70")
    s = load_settings(inbox="/from/cli")
    assert (s.workers, s.batch_size, str(s.data), str(s.inbox)) == (3, 70, "/from/file", "/from/cli")


def test_a_typo_in_the_config_file_is_named(monkeypatch, tmp_path):
    config = tmp_path / "cppcc.toml"
    config.write_text("wokers = 3\n")
    monkeypatch.setenv("CPPCC_CONFIG", str(config))
    with pytest.raises(SettingsError, match="wokers"):
        load_settings()


@pytest.mark.slow
def test_the_only_size_limit_is_the_setting(tmp_path):
    from flows.parse_worker import parse_source_page
    from flows.sources import plan_inbox

    big = tmp_path / "big.txt"
    big.write_text(" 区 县\n\n" + ("本报讯 近日，万州区政协组织委员开展调研，共收集意见建议 36 条。 （王明）\n\n" * 21000), encoding="utf-8")
    assert big.stat().st_size > 2_000_000
    (page,) = plan_inbox(tmp_path, {}, {}).new
    assert parse_source_page(page, max_bytes=3_000_000).ok
    assert parse_source_page(page, max_bytes=1_000_000).stage == "read"


def test_the_readme_settings_table_is_generated_from_the_settings():
    assert settings_table() in README.read_text(encoding="utf-8"), "paste cppcc.settings.settings_table() into README"


def test_every_setting_has_a_description():
    assert all(f.description for f in Settings.model_fields.values())
