"""The base of every error the project raises on purpose, and the one rule for what is an expected failure.

Every layer imports this module, the pure transforms too. So it imports nothing but `sys`, and
`cppcc/__init__.py` stays empty: `import cppcc.errors` loads these lines and nothing else (no Prefect, DuckDB
or CLI code; tests/test_errors.py checks)."""
import sys


class CppccError(Exception):
    """An expected failure: input, configuration or circumstances the operator can act on. It is said in one
    line (the CLI: `Error: …`, exit 1; a run: its recorded reason), never with a traceback. Subclasses name
    what went wrong, as dlt's `DltException` does."""


def is_expected(exc: BaseException) -> bool:
    """Is this a failure to report in one line? One of ours, or the system or DuckDB refusing (a full disk,
    a permission, a file that is not a warehouse, a commit that conflicts). Anything else is a bug and keeps
    its traceback."""
    if isinstance(exc, (CppccError, OSError)):
        return True
    duckdb = sys.modules.get("duckdb")       # an exception can only be DuckDB's once DuckDB is imported
    return duckdb is not None and isinstance(exc, duckdb.Error)
