"""What the warehouse holds, for the run's plan and for `cppcc status` and `history` (on any connection;
the commands open the sandboxed reader)."""
from __future__ import annotations

import json

import duckdb

from .config import Lake
from .connection import ALIAS
from .contract import PAGE_TABLES
from .sandbox import reader


def known_pages(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """sha256 -> (source_name, parser_version) of every loaded page."""
    return {sha: (name, version) for sha, name, version in
            con.execute("SELECT sha256, source_name, parser_version FROM issues").fetchall()}


def quarantined(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """source_name -> (sha256, stage) of the quarantine records."""
    return {name: (sha, stage) for name, sha, stage in
            con.execute("SELECT source_name, sha256, stage FROM quarantine").fetchall()}


def stored_pages(con: duckdb.DuckDBPyConnection, everything: bool, parser_version: str,
                 names: list[str] | None = None) -> list[tuple[str, str, bytes]]:
    """(source_name, sha256, raw) of stored pages at another parser version (or all)."""
    sql = ("SELECT p.source_name, p.sha256, p.raw FROM pages p JOIN issues i USING (issue_id) "
           "WHERE (? OR i.parser_version <> ?)")
    params: list = [everything, parser_version]
    if names is not None:
        sql += " AND p.source_name IN (SELECT unnest(?::VARCHAR[]))"
        params.append(names)
    return con.execute(sql + " ORDER BY p.source_name", params).fetchall()


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in PAGE_TABLES + ("quarantine",)}


def status(lake: Lake, runs: int = 5, quarantine_limit: int = 50) -> dict:
    with reader(lake) as con:
        recent = con.execute("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", [runs]).pl().to_dicts()
        held = con.execute("SELECT source_name, stage, reason, detected_at FROM quarantine "
                           "ORDER BY detected_at DESC, source_name LIMIT ?", [quarantine_limit]).pl().to_dicts()
        total = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        return {"runs": recent, "counts": row_counts(con), "quarantine": held, "quarantine_total": total}


def history(lake: Lake, limit: int = 20) -> list[dict]:
    """Snapshots, newest first: id, time, what committed it (run, kind) and the pages and rows it changed."""
    with reader(lake) as con:
        rows = con.execute(f"SELECT snapshot_id, snapshot_time, commit_message, commit_extra_info "
                           f"FROM {ALIAS}.snapshots() ORDER BY snapshot_id DESC LIMIT ?", [limit]).fetchall()
    out = []
    for snapshot_id, at, message, extra in rows:
        info = json.loads(extra) if extra else {}
        out.append({"snapshot": snapshot_id, "time": at, "run_id": info.get("run_id"),
                    "kind": info.get("kind", "maintenance" if snapshot_id else "created"),
                    "pages": info.get("pages"), "rows": info.get("rows"), "pid": info.get("pid")})
    return out
