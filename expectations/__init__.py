"""Great Expectations suites (one JSON file per table) and the code that applies them.

GX is imported only when there is something to validate: its import alone costs seconds."""
from __future__ import annotations

import json
from functools import cache
from importlib import resources

import polars as pl

SUITE_TABLES = ("issues", "articles", "proposals", "metrics")


def suite_json(table: str) -> dict:
    return json.loads(resources.files(__package__).joinpath(f"{table}.json").read_text(encoding="utf-8"))


@cache
def _gx():
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("frames")
    batches = {t: source.add_dataframe_asset(t).add_batch_definition_whole_dataframe(t) for t in SUITE_TABLES}
    suites = {t: gx.ExpectationSuite(**suite_json(t)) for t in SUITE_TABLES}
    return batches, suites


def validate_tables(tables: dict[str, pl.DataFrame]) -> dict[str, list[str]]:
    """Validate the frames of one or more pages; issue_id -> reasons for the pages whose rows fail.

    A table-level failure with no row to blame (none happen with these suites) fails every page."""
    failures: dict[str, list[str]] = {}
    if all(tables[t].height == 0 for t in SUITE_TABLES):
        return failures
    batches, suites = _gx()
    for table in SUITE_TABLES:
        frame = tables[table]
        if frame.height == 0:
            continue
        # GX checks scalar columns; list columns go to pandas as lists, which it does not need.
        scalar = frame.select([c for c, t in frame.schema.items() if not isinstance(t, pl.List)])
        batch = batches[table].get_batch(batch_parameters={"dataframe": scalar.to_pandas()})
        result = batch.validate(suites[table], result_format={"result_format": "COMPLETE"})
        issue_ids = frame["issue_id"].to_list()
        for check in result.results:
            if check.success:
                continue
            kwargs = check.expectation_config.kwargs
            what = f"{table}: {check.expectation_config.type}({kwargs.get('column') or kwargs.get('column_A', '')})"
            rows = (check.result or {}).get("unexpected_index_list") or []
            bad = {issue_ids[i] for i in rows} if rows else set(issue_ids)
            for issue_id in bad:
                failures.setdefault(issue_id, []).append(what)
    return failures
