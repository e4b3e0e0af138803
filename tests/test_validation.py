"""GX validation blames the page whose rows fail, and the flow quarantines only that page; oversized files
are rejected before parsing."""
import polars as pl

from cppcc.generate import write_pages
from flows.inbox import plan_run
from flows.ingest import validate_pages
from flows.parse_worker import parse_file


def _parsed(tmp_path, count=3, max_bytes=2_000_000):
    write_pages(tmp_path, count, seed=17)
    return [parse_file(f, max_bytes) for f in plan_run(tmp_path, tmp_path / "w.duckdb", settle_seconds=0).new]


def test_a_page_with_failing_rows_is_marked_and_the_others_pass(tmp_path):
    pages = _parsed(tmp_path)
    bad = pages[1]
    bad.tables["articles"] = bad.tables["articles"].with_columns(
        pl.when(pl.col("seq") == 1).then(pl.lit("not-a-code")).otherwise(pl.col("district_code")).alias("district_code"))
    bad.tables["metrics"] = bad.tables["metrics"].with_columns(pl.lit(None, pl.Float64).alias("value"))
    validated = validate_pages.fn(pages)
    assert [p.stage for p in validated] == [None, "validate", None]
    assert "articles: expect_column_values_to_match_regex(district_code)" in bad.reason
    assert "metrics: expect_column_values_to_not_be_null(value)" in bad.reason


def test_clean_pages_pass_validation(tmp_path):
    assert all(p.ok for p in validate_pages.fn(_parsed(tmp_path)))


def test_oversized_files_are_rejected_before_parsing(tmp_path):
    pages = _parsed(tmp_path, count=1, max_bytes=1000)
    assert pages[0].stage == "read" and "over the 1000 byte limit" in pages[0].reason
