"""Ways of validating with Great Expectations side by side (`python -m bench.validation CORPUS`): one batch of
BATCH_PAGES generated pages, made into frames by the project's own path, checked by the contract's suites in
each way below. Each way must find nothing wrong in the batch, and the same failed checks in a copy with one
article twice (its key no longer unique). Each way runs once untimed (GX's context, its data source and the suites built, as a validator
process has them), then TRIES times on the clean batch; the figure is the best try.

- `pandas_complete` — today's: the checked columns as pandas frames, result_format COMPLETE (which rows failed).
- `pandas_summary`  — the same suites, result_format SUMMARY (counts and observed values, what Data Docs show;
  a failed suite would then be asked again with COMPLETE, so this is what a clean batch, the usual one, costs).
- `pandas_boolean`  — the same, BOOLEAN_ONLY (pass or fail only: Data Docs would show no observed values).
- `sql_sqlite`      — the checked columns written into an SQLite file (the write included), GX's SQLAlchemy
  execution engine running the suites as SQL.
- `sql_duckdb`      — the same on DuckDB through the `duckdb_engine` SQLAlchemy dialect, where it is installed.
What a validator kept warm between runs would save each run is GX's import with the suites built: the
start-up table's `great_expectations` row."""
from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from bench.corpus import batches
from bench.measure import print_json

BATCH_PAGES = 1000
TRIES = 3


def _pandas(result_format: str):
    """Validate the checked frames as the validator does, with `result_format`."""
    import expectations

    batches_, suites, _ = expectations._gx()

    def validate(checked, parameters):
        results = {}
        for table, frame in checked.items():
            batch = batches_[table].get_batch(batch_parameters={"dataframe": frame.to_pandas()})
            results[table] = batch.validate(suites[table], result_format={"result_format": result_format},
                                            expectation_parameters=parameters)
        return results
    return validate


def _sql(kind: str, folder: Path):
    """Validate the checked frames as tables of an SQL database GX reads through SQLAlchemy."""
    import expectations

    _, suites, context = expectations._gx()
    path = folder / f"batch.{kind}"
    if kind == "sqlite":
        source = context.data_sources.add_sqlite(f"bench-{kind}", connection_string=f"sqlite:///{path}")
    else:
        source = context.data_sources.add_sql(f"bench-{kind}", connection_string=f"duckdb:///{path}")
    definitions = {}

    def validate(checked, parameters):
        if kind == "duckdb":      # through GX's own engine: DuckDB admits one configuration of a file per process
            with source.get_execution_engine().engine.connect() as con:
                _write_duckdb(con.connection.driver_connection, checked)
        else:
            _write_sqlite(path, checked)
        results = {}
        for table in checked:
            if table not in definitions:
                definitions[table] = source.add_table_asset(table, table_name=table) \
                    .add_batch_definition_whole_table(table)
            results[table] = definitions[table].get_batch().validate(
                suites[table], result_format={"result_format": "COMPLETE"}, expectation_parameters=parameters)
        return results
    return validate


def _write_duckdb(con, checked: dict[str, pl.DataFrame]) -> None:
    for table, frame in checked.items():
        con.register("frame", frame.to_arrow())
        con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM frame')
        con.unregister("frame")


def _write_sqlite(path: Path, checked: dict[str, pl.DataFrame]) -> None:
    with sqlite3.connect(path) as con:
        for table, frame in checked.items():
            frame = frame.with_columns(pl.col(pl.Date, pl.Datetime).cast(pl.String))
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.execute(f'CREATE TABLE "{table}" ({", ".join(repr(c) for c in frame.columns)})')
            con.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * frame.width)})', frame.rows())


def _outcome(results) -> dict:
    """Per table, the expectations that failed or could not be computed."""
    out = {}
    for table, result in results.items():
        out[table] = sorted(f"{'error' if c.exception_info.get('raised_exception') else 'failed'} "
                            f"{c.expectation_config.type}({c.expectation_config.kwargs.get('column', '')})"
                            for c in result.results if not c.success)
    return out


def main(inbox: Path) -> None:
    import expectations
    from warehouse.contract import PAGE_TABLES

    frames = batches(inbox, BATCH_PAGES, BATCH_PAGES)[0]
    checked = expectations.checked_frames(frames.tables)
    articles = checked["articles"]
    faulty = {**checked, "articles": pl.concat([articles, articles.head(1)])}    # a key twice: a check must fail
    parameters = {f"taken_{t}": [] for t in PAGE_TABLES}
    figures = {"pages": frames.pages, "rows": {t: checked[t].height for t in PAGE_TABLES}, "ways": {}}
    with tempfile.TemporaryDirectory() as folder:
        ways = {"pandas_complete": lambda: _pandas("COMPLETE"), "pandas_summary": lambda: _pandas("SUMMARY"),
                "pandas_boolean": lambda: _pandas("BOOLEAN_ONLY"),
                "sql_sqlite": lambda: _sql("sqlite", Path(folder))}
        try:
            import duckdb_engine  # noqa: F401
            ways["sql_duckdb"] = lambda: _sql("duckdb", Path(folder))
        except ImportError:
            figures["ways"]["sql_duckdb"] = {"error": "duckdb_engine is not installed"}
        expected = None
        for name, make in ways.items():
            try:
                validate = make()
                outcome = (_outcome(validate(checked, parameters)), _outcome(validate(faulty, parameters)))
                seconds = []
                for _ in range(TRIES):
                    started = time.perf_counter()
                    validate(checked, parameters)
                    seconds.append(time.perf_counter() - started)
            except Exception as exc:      # a way GX cannot run here is a finding, not the end of the bench
                figures["ways"][name] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
                continue
            expected = outcome if expected is None else expected
            figures["ways"][name] = {"seconds": min(seconds), "same_findings": outcome == expected,
                                     "faulty_findings": sum(len(v) for v in outcome[1].values()),
                                     "clean_findings": sum(len(v) for v in outcome[0].values())}
    print_json(figures)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
