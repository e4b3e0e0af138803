"""`cppcc sql`: an interactive SQL shell on the warehouse, with exactly the guarantees of `cppcc query`.

Every statement typed goes through the same sandboxed reader and the same check (`warehouse.sandbox`): one
SELECT (or EXPLAIN of one) at a time, judged from DuckDB's own parse tree, within the query time and memory
limits. Whatever is typed, no file changes and no file outside the warehouse is read. (The DuckDB CLI cannot
give that: with the SQLite scanner the lake needs loaded, `ATTACH … (TYPE sqlite)` and `sqlite_scan` reach
any SQLite file, past DuckDB's file sandbox, and nothing in the CLI can refuse them.)

Statements end with `;` and may span lines; they are split on DuckDB's own tokens, so a `;` inside a string
or a comment splits nothing. Dot commands: `.tables`, `.schema [TABLE]`, `.mode table|csv|json`, `.help`,
`.quit`. With `-c SQL`, or with statements on standard input, it runs them and exits 1 if any failed."""
from __future__ import annotations

import sys
from typing import Callable, Iterator

import click
import duckdb

from warehouse import sandbox
from warehouse.config import Lake, QueryLimits
from warehouse.errors import QueryError, first_line

from .output import FORMATS, print_rows

PROMPT, MORE = "cppcc> ", "  ...> "
HELP = """Statements end with ';'. One read-only statement runs at a time (SELECT, EXPLAIN, DESCRIBE, SUMMARIZE, SHOW).
.tables            the tables and views
.schema [TABLE]    columns of every table, or of one
.mode FORMAT       table (default), csv or json
.help              this text
.quit              leave (also Ctrl-D)"""
SHOW = {".tables": "SELECT table_name AS name, table_type AS kind FROM information_schema.tables "
                   "WHERE table_catalog = current_database() ORDER BY table_name",
        ".schema": "SELECT table_name, column_name, data_type FROM information_schema.columns "
                   "WHERE table_catalog = current_database() {where} ORDER BY table_name, ordinal_position"}


def statements(text: str) -> list[str]:
    """The statements in `text`, split at the `;` tokens of DuckDB's tokenizer (strings and comments hold none)."""
    cuts = [offset for offset, kind in duckdb.tokenize(text)
            if kind == duckdb.token_type.operator and text[offset] == ";"]
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(text[start:cut])
        start = cut + 1
    pieces.append(text[start:])
    out = []
    for piece in pieces:
        if tokens := duckdb.tokenize(piece):          # a piece of comments only is no statement
            out.append(piece[tokens[0][0]:].strip())
    return out


def complete(text: str) -> bool:
    """Does `text` end a statement (its last token a `;`; an unterminated string is no token)?"""
    tokens = duckdb.tokenize(text)
    return bool(tokens) and tokens[-1][1] == duckdb.token_type.operator and text[tokens[-1][0]] == ";"


class Session:
    """One reader connection for the session; every statement checked and limited as `cppcc query`'s."""

    def __init__(self, con: duckdb.DuckDBPyConnection, limits: QueryLimits, fmt: str = "table"):
        self.con, self.limits, self.fmt = con, limits, fmt
        self.failures = 0

    def run(self, sql: str) -> None:
        try:
            print_rows(*sandbox.run_query(self.con, sql, self.limits), self.fmt)
        except QueryError as exc:
            self.fail(str(exc))

    def command(self, line: str) -> bool:
        """A dot command; False when it ends the session."""
        name, _, arg = line.strip().partition(" ")
        arg = arg.strip().rstrip(";")
        if name in (".quit", ".exit"):
            return False
        if name == ".help":
            click.echo(HELP)
        elif name == ".mode" and arg in FORMATS:
            self.fmt = arg
        elif name == ".tables":
            self._show(SHOW[".tables"], [])
        elif name == ".schema":
            self._show(SHOW[".schema"].format(where="AND table_name = ?" if arg else ""), [arg] if arg else [])
        else:
            self.fail(f"unknown command {line.strip()!r} (.help lists them)")
        return True

    def _show(self, sql: str, params: list) -> None:
        try:
            with sandbox.limited(self.con, self.limits):
                cur = self.con.execute(sql, params)
                print_rows([d[0] for d in cur.description], cur.fetchall(), self.fmt)
        except (QueryError, duckdb.Error) as exc:
            self.fail(first_line(exc))

    def fail(self, message: str) -> None:
        self.failures += 1
        click.echo(f"Error: {message}", err=True)


def entries(read_line: Callable[[bool], str | None]) -> Iterator[str]:
    """Dot commands and complete statement groups, from `read_line(more)` (more: inside a statement; None: the end)."""
    buffer = ""
    while (line := read_line(bool(buffer))) is not None:
        if not buffer and line.lstrip().startswith("."):
            yield line.strip()
            continue
        buffer += line if line.endswith("\n") else line + "\n"
        if complete(buffer):
            yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer


def _typed(more: bool) -> str | None:
    """A line typed at the prompt; None at Ctrl-D or Ctrl-C."""
    try:
        return input(MORE if more else PROMPT)
    except (EOFError, KeyboardInterrupt):
        click.echo()
        return None


def run_shell(lake: Lake, limits: QueryLimits, command: str | None, fmt: str) -> int:
    """The shell; its exit code (1 when a statement of a script failed)."""
    interactive = command is None and sys.stdin.isatty()
    with sandbox.reader(lake, limits) as con:
        session = Session(con, limits, fmt)
        if interactive:
            try:
                import readline  # noqa: F401 — line editing and history for input()
            except ImportError:
                pass
            click.echo(f"cppcc sql: read-only SQL on {lake.catalog} ('.help' for help, '.quit' to leave)")
            read_line = _typed
        else:
            source = iter([command] if command is not None else sys.stdin)
            read_line = lambda more: next(source, None)       # noqa: E731
        for entry in entries(read_line):
            if entry.startswith("."):
                if not session.command(entry):
                    break
                continue
            try:
                group = statements(entry)
            except duckdb.Error as exc:
                session.fail(first_line(exc))
                continue
            for sql in group:
                session.run(sql)
    return 1 if session.failures and not interactive else 0
