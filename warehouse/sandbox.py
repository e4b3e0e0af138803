"""The sandboxed reader: every read path the project offers (`cppcc query`, `cppcc sql`, `status`, `history`,
the explorer, the run's plan) goes through it.

What it guarantees, whatever SQL it is given:
- the lake is attached READ_ONLY; no other database can be attached (only SELECT and EXPLAIN statements run);
- files: DuckDB's own file access is limited to the warehouse's data folder (`allowed_directories`), and
  spilling goes to a private temporary folder removed with the connection (never the caller's `./.tmp`);
- functions that open files or databases past DuckDB's file sandbox (`sqlite_scan` reads any SQLite file),
  that write (DuckLake's maintenance) or that run SQL given as text (which no check could see) are refused,
  decided from DuckDB's own parse tree, never from the text;
- EXPLAIN ANALYZE runs what it wraps, so the wrapped statement is judged as if it were given alone;
- no extension install or autoload; the configuration is locked;
- each query has a time limit and a memory limit (`QueryLimits`), each ending with one clear line."""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator

import duckdb

from .config import Lake, QueryLimits
from .connection import attach, require_warehouse
from .errors import QueryError, WarehouseError, first_line

READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}
# Functions a query may not call: those of the catalog extensions open files and databases themselves,
# past DuckDB's file sandbox, and DuckLake's maintenance functions write; DuckLake's reading functions
# (snapshots, table changes, file lists, options) stay allowed. `query` and `json_execute_serialized_sql`
# run SQL given as a string, which the parse tree shows only as a string.
REFUSED_FUNCTIONS = re.compile(r"^(sqlite_|postgres_|ducklake_(?!snapshots|table_|list_files|options|current_snapshot"
                               r"|last_committed_snapshot)|query$|json_execute_serialized_sql$)", re.I)
TIMEOUT_SETTING, MEMORY_SETTING = "CPPCC_QUERY_TIMEOUT_SECONDS", "CPPCC_QUERY_MEMORY_LIMIT"


@contextmanager
def reader(lake: Lake, limits: QueryLimits = QueryLimits()) -> Iterator[duckdb.DuckDBPyConnection]:
    """A sandboxed read-only connection (see the module's docstring)."""
    require_warehouse(lake)
    refuse_links(lake)
    with tempfile.TemporaryDirectory(prefix="cppcc-query-") as scratch:
        con = attach(lake, read_only=True, config={"memory_limit": limits.memory_limit, "temp_directory": scratch})
        try:
            for statement in sandbox_statements(lake):
                con.execute(statement)
            yield con
        finally:
            con.close()


def refuse_links(lake: Lake) -> None:
    """DuckDB's file sandbox judges a path by its name: a symbolic link planted in the data folder would let a
    query read what it points at. The warehouse writes none, so any is refused (the folder itself may be one)."""
    for folder, dirs, files in os.walk(lake.data_files):
        for name in dirs + files:
            if os.path.islink(os.path.join(folder, name)):
                raise WarehouseError(f"the warehouse's data folder holds a symbolic link, "
                                     f"{os.path.relpath(os.path.join(folder, name), lake.data_files)}: remove it "
                                     f"(a query could read what it points at)")


def sandbox_statements(lake: Lake) -> list[str]:
    """The settings that close the reader's connection, once the lake is attached."""
    return [f"SET allowed_directories = ['{lake.data_path}']", "SET enable_external_access = false",
            "SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false",
            "SET lock_configuration = true"]


def run_query(con: duckdb.DuckDBPyConnection, sql: str,
              limits: QueryLimits = QueryLimits()) -> tuple[list[str], list[tuple]]:
    """Exactly one read-only statement, judged by `check_statement`, run within `limits`; (column names, rows)."""
    check_statement(con, sql)
    try:
        with limited(con, limits):
            cur = con.execute(sql)
            return [d[0] for d in cur.description], cur.fetchall()      # errors can come at fetch time too
    except duckdb.Error as exc:
        raise QueryError(first_line(exc)) from None


def query(lake: Lake, sql: str, limits: QueryLimits = QueryLimits()) -> tuple[list[str], list[tuple]]:
    if not sql.strip():
        raise QueryError("no SQL statement given")
    with reader(lake, limits) as con:
        return run_query(con, sql, limits)


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse, in one line, anything but one SELECT (or an EXPLAIN of one) that calls no refused function."""
    statements = _statements(con, sql)
    if not statements:
        raise QueryError("no SQL statement given")
    if len(statements) > 1:
        raise QueryError(f"one statement per call, got {len(statements)}")
    kind = statements[0].type.name
    if kind not in READ_ONLY_STATEMENTS:
        raise QueryError(f"read-only: {kind} statements are refused (use --format csv|json to export)")
    if kind == "EXPLAIN":
        return check_statement(con, explained(sql))      # EXPLAIN ANALYZE runs it: judged as if given alone
    if refused := [f for f in called_functions(con, sql) if REFUSED_FUNCTIONS.match(f)]:
        raise QueryError(f"read-only: {refused[0]}() is refused (it writes, reads outside the warehouse, or runs SQL "
                         f"given as text)")


def _statements(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    try:
        return con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(first_line(exc)) from None


def explained(sql: str) -> str:
    """The statement an EXPLAIN wraps, from DuckDB's own tokens: after `EXPLAIN`, an optional `ANALYZE` or a
    parenthesised option list (comments are no tokens, so they cannot hide anything)."""
    tokens = [offset for offset, _ in duckdb.tokenize(sql)]
    words = [_token_text(sql, offset) for offset in tokens]
    i = 1
    if i < len(words) and words[i].upper() in ("ANALYZE", "ANALYSE"):
        i += 1
    elif i < len(words) and words[i] == "(":
        depth = 0
        while i < len(words):
            depth += words[i].count("(") - words[i].count(")")
            i += 1
            if depth <= 0:
                break
    if i >= len(words):
        raise QueryError("EXPLAIN of nothing")
    return sql[tokens[i]:]


def _token_text(sql: str, offset: int) -> str:
    word = re.match(r"\w+|[()]+|\S", sql[offset:])
    return word.group(0) if word else ""


def called_functions(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """Names of every function a SELECT calls (scalar, aggregate, table), from DuckDB's parse tree
    (json_serialize_sql). A statement it cannot serialize is refused: what cannot be checked does not run."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        raise QueryError(f"read-only: this statement cannot be checked ({tree.get('error_message', 'no parse tree')})")
    names: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("function_name"), str):
                names.append(node["function_name"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


@contextmanager
def limited(con: duckdb.DuckDBPyConnection, limits: QueryLimits) -> Iterator[None]:
    """Run the body within the time limit (the connection is interrupted when it passes); passing the time or
    memory limit is one QueryError line naming the setting."""
    timer = threading.Timer(limits.timeout_seconds, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except duckdb.Error as exc:       # at fetch time DuckDB wraps the cause: its class is in the text
        text = str(exc)
        if isinstance(exc, duckdb.InterruptException) or "INTERRUPT Error" in text:
            raise QueryError(f"the query ran longer than {limits.timeout_seconds:g} s and was stopped "
                             f"(the limit is {TIMEOUT_SETTING})") from None
        if isinstance(exc, duckdb.OutOfMemoryException) or "Out of Memory Error" in text:
            raise QueryError(f"the query needed more memory than {limits.memory_limit} and was stopped "
                             f"(the limit is {MEMORY_SETTING})") from None
        raise
    finally:
        timer.cancel()
