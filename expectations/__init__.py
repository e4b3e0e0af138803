"""Great Expectations suites, generated from the table contract (warehouse/contract.py), and the code that
applies them to a batch's frames.

Checks that need more than a column's own values: `key` gets, as a suite parameter, the batch's keys the
warehouse already holds for other pages (`taken_<table>`, normally empty), so keys stay unique across the
warehouse; `references(t)` and `length_of(c)` are checked on a column derived for GX (is the value a key
of table t in the batch; the length of c).
GX is imported only when there is something to validate: its import alone costs seconds."""
from __future__ import annotations

import logging
import threading
from functools import cache

import polars as pl

from warehouse.contract import PAGE_TABLES, TABLES, Check


def _expectations(table: str) -> list[dict]:
    out = []
    for column in TABLES[table].columns:
        for check in column.checks:
            out += _expectation(table, column.name, check)
    return out


def _expectation(table: str, column: str, check: Check) -> list[dict]:
    c = {"column": column}
    if check.kind == "not_null":
        return [{"type": "expect_column_values_to_not_be_null", "kwargs": c}]
    if check.kind == "key":
        return [{"type": "expect_column_values_to_not_be_null", "kwargs": c},
                {"type": "expect_column_values_to_be_unique", "kwargs": c},
                {"type": "expect_column_values_to_not_be_in_set",
                 "kwargs": {**c, "value_set": {"$PARAMETER": f"taken_{table}"}}}]
    if check.kind == "in_set":
        return [{"type": "expect_column_values_to_be_in_set", "kwargs": {**c, "value_set": list(check.arg)}}]
    if check.kind == "between":
        low, high = check.arg
        return [{"type": "expect_column_values_to_be_between", "kwargs": {**c, "min_value": low, "max_value": high}}]
    if check.kind == "regex":
        return [{"type": "expect_column_values_to_match_regex", "kwargs": {**c, "regex": check.arg}}]
    if check.kind == "references":
        # polars tells whether each value is a key of the referenced table in the batch (a column of
        # booleans GX then checks): a value set of every key costs GX a second per thousand pages.
        return [{"type": "expect_column_values_to_be_in_set",
                 "kwargs": {"column": _reference_column(column, check.arg), "value_set": [True]}}]
    if check.kind in ("at_least_column", "above_column"):
        return [{"type": "expect_column_pair_values_a_to_be_greater_than_b",
                 "kwargs": {"column_A": column, "column_B": check.arg, "or_equal": check.kind == "at_least_column",
                            "ignore_row_if": "either_value_is_missing"}}]
    if check.kind == "length_of":
        return [{"type": "expect_column_pair_values_to_be_equal",
                 "kwargs": {"column_A": column, "column_B": _length_column(check.arg)}}]
    raise ValueError(f"{table}.{column}: no expectation for check {check.kind!r}")


# Which rows failed (`unexpected_index_list`) and the observed values Data Docs show, in one pass; bench/results.md
# measures the other formats (BOOLEAN_ONLY is faster on a clean batch but leaves Data Docs without their content).
RESULT_FORMAT = "COMPLETE"

# GX's context and parsers are not thread-safe (a Dask worker may run two batches in two threads).
_GX_LOCK = threading.Lock()


def _length_column(column: str) -> str:
    return f"_length_of_{column}"


def _reference_column(column: str, table: str) -> str:
    return f"_{column}_in_{table}"


def suite_config(table: str) -> dict:
    """The suite of a page table, as GX's JSON shape."""
    return {"name": table, "expectations": _expectations(table)}


@cache
def _gx():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in ("great_expectations", "great_expectations.data_context.types.base"):   # sets its own level
        logging.getLogger(name).setLevel(logging.WARNING)       # "Created temporary directory … for ephemeral docs site"
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("frames")
    batches = {t: source.add_dataframe_asset(t).add_batch_definition_whole_dataframe(t) for t in PAGE_TABLES}
    suites = {t: gx.ExpectationSuite(**suite_config(t)) for t in PAGE_TABLES}
    return batches, suites, context


# The validator process keeps its run's results for Data Docs (expectations/datadocs.py); None elsewhere.
DOCS = None


def keep_results_for_docs() -> None:
    global DOCS
    from .datadocs import DataDocs

    DOCS = DataDocs()


def build_docs(folder, run_name: str):
    """Data Docs of the results kept since the last call (see `keep_results_for_docs`); the index, or None."""
    if DOCS is None:
        return None
    with _GX_LOCK:
        return DOCS.build(_gx()[2], folder, run_name)


def warm_up() -> None:
    """Import GX and build the suites now (e.g. in a thread while the first batch parses)."""
    _gx()


def checked_frames(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """What GX sees of each page table: `issue_id`, the scalar columns that have checks and the derived columns
    the checks compare against — not the texts and lists, which no check reads (a tenth of the bytes)."""
    return {table: _checked_frame(table, frames) for table in PAGE_TABLES}


def _checked_frame(table: str, frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    frame, derived = frames[table], []
    for column in TABLES[table].columns:
        for check in column.checks:
            if check.kind == "length_of":
                derived.append(pl.col(check.arg).str.len_chars().cast(pl.Int32).alias(_length_column(check.arg)))
            elif check.kind == "references":
                keys = frames[check.arg][TABLES[check.arg].key].implode()
                derived.append(pl.col(column.name).is_in(keys).alias(_reference_column(column.name, check.arg)))
    checked = [c.name for c in TABLES[table].columns if (c.checks or c.name == "issue_id")
               and not isinstance(frame.schema[c.name], pl.List)]
    return frame.select(checked + derived)


def validate_batch(frames: dict[str, pl.DataFrame], taken: dict[str, list[str]]) -> dict[str, list[str]]:
    """Validate a batch's frames; issue_id -> the failed checks of each page whose rows fail."""
    return validate_checked(checked_frames(frames), taken)


def validate_checked(checked: dict[str, pl.DataFrame], taken: dict[str, list[str]]) -> dict[str, list[str]]:
    """`validate_batch` on frames `checked_frames` made (what the validator process receives).

    `taken`: per table, the batch's keys that the warehouse holds for other pages. A failure with no row
    to blame (none with these suites) fails every page of the batch."""
    failures: dict[str, list[str]] = {}
    if all(checked[t].height == 0 for t in PAGE_TABLES):
        return failures
    with _GX_LOCK:
        _validate(checked, taken, failures)
    return failures


def _validate(checked: dict[str, pl.DataFrame], taken: dict[str, list[str]], failures: dict) -> None:
    batches, suites, _ = _gx()
    parameters = {f"taken_{t}": list(taken.get(t, [])) for t in PAGE_TABLES}
    for table in PAGE_TABLES:
        frame = checked[table]
        if frame.height == 0:
            continue
        batch = batches[table].get_batch(batch_parameters={"dataframe": frame.to_pandas()})
        result = batch.validate(suites[table], result_format={"result_format": RESULT_FORMAT},
                                expectation_parameters=parameters)
        if DOCS is not None:
            DOCS.record(table, result)
        issue_ids = frame["issue_id"].to_list()
        for check in result.results:
            if check.success:
                continue
            kwargs = check.expectation_config.kwargs
            what = f"{table}: {check.expectation_config.type}({kwargs.get('column') or kwargs.get('column_A', '')})"
            rows = (check.result or {}).get("unexpected_index_list") or []
            for issue_id in ({issue_ids[i] for i in rows} if rows else set(issue_ids)):
                failures.setdefault(issue_id, []).append(what)
