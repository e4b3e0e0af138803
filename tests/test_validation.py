"""GX validation of a batch: the suites come from the contract, blame only the page whose rows fail, and
check keys across the warehouse, references between tables, value_max >= value and char_count."""
import polars as pl
import pytest

from cppcc.generate import write_pages
from expectations import validate_batch
from flows.frames import build_frames
from flows.parse_worker import parse_source_page
from flows.parsed import parse_chunk
from flows.sources import plan_inbox

NONE_TAKEN: dict[str, list[str]] = {}


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    write_pages(folder, 3, seed=17)
    return build_frames(parse_chunk(plan_inbox(folder, {}, {}).new, 2_000_000)).tables


def page_ids(frames) -> list[str]:
    return frames["issues"]["issue_id"].to_list()


def test_clean_pages_pass(frames):
    assert validate_batch(frames, NONE_TAKEN) == {}


def test_only_the_page_whose_rows_fail_is_blamed_with_the_checks_it_failed(frames):
    bad = page_ids(frames)[1]
    rows = pl.col("issue_id") == bad
    broken = {**frames,
              "articles": frames["articles"].with_columns(
                  pl.when(rows & (pl.col("seq") == 1)).then(pl.lit("not-a-code")).otherwise(pl.col("district_code"))
                  .alias("district_code")),
              "metrics": frames["metrics"].with_columns(
                  pl.when(rows).then(None).otherwise(pl.col("value")).alias("value"))}
    failures = validate_batch(broken, NONE_TAKEN)
    assert list(failures) == [bad]
    assert "articles: expect_column_values_to_match_regex(district_code)" in failures[bad]
    assert "metrics: expect_column_values_to_not_be_null(value)" in failures[bad]


def test_a_value_that_is_not_finite_fails(frames):
    first = page_ids(frames)[0]
    broken = {**frames, "metrics": frames["metrics"].with_columns(
        pl.when(pl.col("issue_id") == first).then(float("inf")).otherwise(pl.col("value")).alias("value"),
        pl.when(pl.col("issue_id") == first).then(float("-inf")).otherwise(pl.col("value_max")).alias("value_max"))}
    failures = validate_batch(broken, NONE_TAKEN)
    assert list(failures) == [first]
    assert "metrics: expect_column_values_to_be_between(value)" in failures[first]
    assert "metrics: expect_column_values_to_be_between(value_max)" in failures[first]


def test_value_max_below_value_and_a_wrong_char_count_fail(frames):
    first = page_ids(frames)[0]
    metric = frames["metrics"]["metric_id"][0]
    broken = {**frames,
              "metrics": frames["metrics"].with_columns(
                  pl.when(pl.col("metric_id") == metric).then(pl.col("value") - 1).otherwise(pl.col("value_max"))
                  .alias("value_max")),
              "articles": frames["articles"].with_columns(
                  pl.when(pl.col("article_id") == frames["articles"]["article_id"][0])
                  .then(pl.col("char_count") + 1).otherwise(pl.col("char_count")).alias("char_count"))}
    failures = validate_batch(broken, NONE_TAKEN)
    assert list(failures) == [first]
    assert "metrics: expect_column_pair_values_a_to_be_greater_than_b(value_max)" in failures[first]
    assert "articles: expect_column_pair_values_to_be_equal(char_count)" in failures[first]


def test_a_metric_of_an_article_not_in_the_batch_fails(frames):
    last = page_ids(frames)[-1]
    orphan = frames["metrics"].filter(pl.col("issue_id") == last).head(1).with_columns(
        pl.lit(f"{last}-99").alias("article_id"), (pl.col("metric_id") + "x").alias("metric_id"))
    failures = validate_batch({**frames, "metrics": pl.concat([frames["metrics"], orphan])}, NONE_TAKEN)
    assert failures == {last: ["metrics: expect_column_values_to_be_in_set(_article_id_in_articles)"]}


def test_a_key_the_warehouse_holds_for_another_page_fails(frames):
    taken = frames["articles"]["article_id"][0]
    owner = frames["articles"]["issue_id"][0]
    failures = validate_batch(frames, {"articles": [taken]})
    assert failures == {owner: ["articles: expect_column_values_to_not_be_in_set(article_id)"]}


def test_oversized_files_are_rejected_before_parsing(tmp_path):
    (path,) = write_pages(tmp_path, 1, seed=18)
    (page,) = plan_inbox(tmp_path, {}, {}).new
    parsed = parse_source_page(page, max_bytes=1000)
    assert parsed.stage == "read" and "over the 1000 byte limit" in parsed.reason


def test_a_file_that_vanishes_after_the_plan_is_set_aside(tmp_path):
    (path,) = write_pages(tmp_path, 1, seed=19)
    (page,) = plan_inbox(tmp_path, {}, {}).new
    path.unlink()
    parsed = parse_source_page(page, max_bytes=2_000_000)
    assert (parsed.stage, parsed.reason) == ("read", "file disappeared before it was read")
