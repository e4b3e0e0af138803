"""Errors the warehouse raises; the CLI turns them into one-line messages."""
from cppcc.errors import CppccError


class WarehouseError(CppccError):
    """Base class."""


class WarehouseMissing(WarehouseError):
    """The warehouse does not exist yet."""


class QueryError(WarehouseError):
    """The SQL was refused or failed."""


# DuckDB's wrapper when a query fails while its rows are fetched: the next line (`Error: …`) is the cause.
_FETCH_WRAPPER = "Attempting to execute an unsuccessful or closed pending query result"


def first_line(exc: BaseException) -> str:
    """An exception as one line: DuckDB's and others' messages can run over many."""
    text = [line for line in str(exc).strip().splitlines() if line.strip()]
    if len(text) > 1 and _FETCH_WRAPPER in text[0]:
        return text[1].removeprefix("Error: ")
    return text[0] if text else type(exc).__name__


class WarehouseFailure(WarehouseError):
    """The warehouse itself failed while writing (disk full, read-only catalog, I/O error): no fault of any
    page. The run fails with this cause in one line, quarantines nothing, and the next run loads everything."""
