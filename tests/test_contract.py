"""One table contract: the DDL, the frames' schemas and the GX suites all come from warehouse/contract.py,
and the parser's rows carry exactly its columns."""
import duckdb
import pytest

from cppcc.generate import generate_page
from expectations import suite_config
from flows.frames import build_frames
from flows.parsed import ParsedPage
from flows.sources import SourcePage
from transforms.page import parse_page
from warehouse.contract import PAGE_TABLES, TABLES, ddl, document, polars_schema
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "tables.md"


def test_the_ddl_creates_every_column_with_its_type():
    con = duckdb.connect()
    con.execute(ddl())
    for name, table in TABLES.items():
        got = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                          "ORDER BY column_index", [name]).fetchall()
        assert got == [(c.name, c.type) for c in table.columns], name


def test_the_parser_rows_have_exactly_the_contract_columns():
    rows = parse_page(generate_page(0).text, "p.txt", "c" * 64)
    for table, table_rows in rows.tables().items():
        assert table_rows, table
        for row in table_rows:
            assert set(row) == set(TABLES[table].column_names), table


def test_a_column_the_parser_does_not_fill_is_an_error_not_a_silent_null(monkeypatch):
    rows = parse_page(generate_page(4).text, "p.txt", "c" * 64)
    page = ParsedPage(SourcePage("p.txt", "c" * 64), raw=b"x", rows=rows)
    monkeypatch.setitem(TABLES, "articles", TABLES["articles"].__class__(
        "articles", "", TABLES["articles"].columns + (TABLES["articles"].columns[0].__class__("new_col", "VARCHAR", ""),),
        per_page=True))
    with pytest.raises(ValueError, match="new_col"):
        build_frames([page])


def test_frames_follow_the_contract_schema():
    rows = parse_page(generate_page(5).text, "p.txt", "d" * 64)
    frames = build_frames([ParsedPage(SourcePage("p.txt", "d" * 64), raw=b"x", rows=rows)])
    for table in PAGE_TABLES:
        assert frames.tables[table].schema == polars_schema(table), table
    assert frames.raw_pages.schema == polars_schema("pages")


def test_every_check_becomes_an_expectation_including_the_warehouse_wide_ones():
    suites = {t: suite_config(t)["expectations"] for t in PAGE_TABLES}
    kinds = {(t, e["type"], e["kwargs"].get("column") or e["kwargs"].get("column_A")) for t in suites for e in suites[t]}
    assert ("articles", "expect_column_values_to_not_be_in_set", "article_id") in kinds      # unique in the warehouse
    assert ("articles", "expect_column_values_to_be_in_set", "_issue_id_in_issues") in kinds  # issue_id in issues
    assert ("metrics", "expect_column_values_to_be_in_set", "_article_id_in_articles") in kinds
    assert ("metrics", "expect_column_pair_values_a_to_be_greater_than_b", "value_max") in kinds
    assert ("articles", "expect_column_pair_values_to_be_equal", "char_count") in kinds
    checks = sum(len(c.checks) for t in PAGE_TABLES for c in TABLES[t].columns)
    assert sum(map(len, suites.values())) >= checks


def test_docs_tables_md_is_generated_from_the_contract():
    assert DOCS.read_text(encoding="utf-8") == document(), "run: python -m warehouse.contract > docs/tables.md"


def test_quarantine_stages_and_run_statuses_are_checked_on_write():
    """A misspelt stage or status is an error, not a row: the value sets are the contract's."""
    import polars as pl

    from warehouse.contract import QUARANTINE_STAGES, RUN_STATUSES, check_value_sets, polars_schema

    assert {"Completed", "Failed", "Skipped"} <= set(RUN_STATUSES)
    assert {"read", "decode", "parse", "validate", "load", "duplicate", "forgotten"} == set(QUARANTINE_STAGES)
    runs = pl.DataFrame({"run_id": ["r1", "r2"], "status": ["Skipped", "Completed"]})
    check_value_sets("runs", runs)
    with pytest.raises(ValueError, match="'Succeeded' is not one of"):
        check_value_sets("runs", runs.with_columns(pl.lit("Succeeded").alias("status")))
    row = {"source_name": "a.txt", "sha256": None, "stage": "valdiate", "reason": "x", "detected_at": None, "run_id": "r"}
    with pytest.raises(ValueError, match="quarantine.stage: 'valdiate'"):
        check_value_sets("quarantine", pl.DataFrame([row], schema=polars_schema("quarantine"), orient="row"))
