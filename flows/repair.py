"""`cppcc check --repair`: a warehouse whose data file went missing or bad is put right again.

Under the run lock: the damaged files are found (`warehouse.check`), what they held is written down (a record
beside the catalog, so an interrupted repair is finished by the next one), they are taken out of the catalog
(`warehouse.salvage`: one snapshot), and the pages whose rows they held are loaded again from the stored raw
pages through the ordinary path (parse, frames, the GX suites, one commit per batch). A page's rows carry its
`issue_id`; which pages a file held is read from the catalog's statistics of that column (its least and
greatest value), so every page in that range is loaded again: a few more than needed, never one too few.
A page whose raw bytes were in a damaged `pages` file comes back from its inbox file when that has the same
content; one that can come back from nowhere loses its remaining rows and is named, to be put back in the inbox.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

from cppcc.settings import Settings
from transforms.lexicons import load_districts
from warehouse import connection, sandbox
from warehouse.check import META, Damage, inspect, marker_path
from warehouse.contract import PAGE_TABLES
from warehouse.salvage import retire_files

from . import batch
from .batch import Committed
from .lock import lock_path, run_lock
from .parsed import ParsedBatch, parse_to_frames
from .sources import SourcePage, sha256_of

PAGE_HOLDERS = PAGE_TABLES + ("pages",)       # tables whose rows carry a page's issue_id
LOST_WITHOUT_SOURCE = {"runs": "run history rows", "quarantine": "quarantine records (a file they held back "
                       "that is still in the inbox is tried again by the next run)"}


def repair(settings: Settings) -> list[str]:
    """Repair the warehouse; the lines that say what was done (none when nothing was damaged)."""
    with run_lock(lock_path(settings), settings.lock_wait_seconds):
        report = inspect(settings.lake)
        if report.ok:
            return []
        record = report.interrupted or {"run_id": f"repair-{uuid.uuid4().hex[:8]}", "files": []}
        if report.damaged:
            record["files"] += _described(settings, report.damaged)
            _save(settings, record)
            retire_files(settings.lake, [d.file for d in report.damaged],
                         {"run_id": record["run_id"], "files": [f["path"] for f in record["files"]]})
        lines = [f"took out {len(report.damaged)} damaged files: "
                 + "; ".join(d.line(settings.data_files) for d in report.damaged)] if report.damaged else \
                ["finishing the repair that did not finish"]
        lines += _reload(settings, record)
        marker_path(settings.lake).unlink(missing_ok=True)
    return lines


def _described(settings: Settings, damaged: list[Damage]) -> list[dict]:
    """What each damaged file held, from the catalog: its table, rows, and the range of its issue_ids."""
    out = []
    with sandbox.reader(settings.lake) as con:
        for d in damaged:
            f = d.file
            span = con.execute(
                f"SELECT s.min_value, s.max_value FROM {META}.ducklake_file_column_stats s "
                f"JOIN {META}.ducklake_column c ON c.table_id = s.table_id AND c.column_id = s.column_id "
                f"WHERE s.data_file_id = ? AND c.column_name = 'issue_id' AND c.parent_column IS NULL "
                f"AND s.min_value IS NOT NULL", [f.data_file_id]).fetchone() if f.table in PAGE_HOLDERS else None
            rows = con.execute(f"SELECT record_count FROM {META}.ducklake_data_file WHERE data_file_id = ?",
                               [f.data_file_id]).fetchone()
            out.append({"table": f.table, "path": f.path, "problem": d.problem, "rows": rows[0] if rows else None,
                        "issue_ids": list(span) if span else None})
    return out


def _save(settings: Settings, record: dict) -> None:
    path = marker_path(settings.lake)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(record, indent=1))
    temporary.replace(path)


def _reload(settings: Settings, record: dict) -> list[str]:
    files = record["files"]
    ranges = [f["issue_ids"] for f in files if f["table"] in PAGE_HOLDERS]
    lines = []
    for table, what in LOST_WITHOUT_SOURCE.items():
        lost = sum(f["rows"] or 0 for f in files if f["table"] == table)
        if lost:
            lines.append(f"{table}: {lost} {what} were in the damaged files and are lost")
    with connection.writer(settings.lake) as con:
        if any(f["table"] == "districts" for f in files):
            _refill_districts(con, record["run_id"])
            lines.append("districts: filled again from the lexicon")
        if not ranges:
            return lines
        sources, unknown, ids = _affected(con, ranges, Path(settings.inbox))
        loaded, held = [], []
        for start in range(0, len(sources), settings.batch_size):
            parsed = parse_to_frames(sources[start:start + settings.batch_size], settings.max_file_bytes)
            committed = _commit(con, parsed, record["run_id"])
            loaded += committed.loaded
            held += committed.rejected
        _drop(con, list(unknown) + [ids[r.name] for r in held], record["run_id"])
    committed_names = set(loaded)
    from_inbox = sum(1 for p in sources if p.name in committed_names and p.raw is None)
    lines.append(f"re-loaded {len(loaded)} pages whose rows were in the damaged files"
                 + (f" ({from_inbox} from their inbox files)" if from_inbox else " from the stored raw pages"))
    for r in held:
        lines.append(f"quarantined {r.name} at {r.stage}: {r.reason}")
    if names := [n for i, n in unknown.items() if n]:
        lines.append(f"{len(names)} pages could not be re-loaded (their raw page was in a damaged file and no inbox "
                     f"file has its content): put these files back in {settings.inbox} and run `cppcc run`: "
                     + ", ".join(sorted(names)))
    if nameless := [i for i, n in unknown.items() if not n]:
        lines.append(f"{len(nameless)} pages lost their name and raw page (issue_id {', '.join(sorted(nameless))}): "
                     f"the next `cppcc run` loads them again if their files are in the inbox")
    return lines


def _affected(con, ranges: list[list[str] | None], inbox: Path) -> tuple[list[SourcePage], dict[str, str | None],
                                                                        dict[str, str]]:
    """The pages whose issue_id lies in a damaged file's range (every page when a range is unknown): their raw
    bytes, from the `pages` table or an inbox file of the same content; and those found in neither
    (issue_id -> source_name, None when no row names it any more); and the issue_id of each source's name."""
    if any(r is None for r in ranges):
        where, params = "true", []
    else:
        where = " OR ".join("issue_id BETWEEN ? AND ?" for _ in ranges)
        params = [v for r in ranges for v in r]
    ids: set[str] = set()
    for table in PAGE_HOLDERS:
        ids |= {r[0] for r in con.execute(f"SELECT DISTINCT issue_id FROM {table} WHERE {where}", params).fetchall()}
    wanted = sorted(ids)
    stored = {i: (name, sha, raw) for i, name, sha, raw in con.execute(
        "SELECT issue_id, source_name, sha256, raw FROM pages WHERE issue_id IN (SELECT unnest(?::VARCHAR[]))",
        [wanted]).fetchall()}
    named = {i: (name, sha) for i, name, sha in con.execute(
        "SELECT issue_id, source_name, sha256 FROM issues WHERE issue_id IN (SELECT unnest(?::VARCHAR[]))",
        [wanted]).fetchall()}
    found, unknown = [], {}
    for issue_id in wanted:
        if issue_id in stored:
            name, sha, raw = stored[issue_id]
            found.append((SourcePage(name, sha, raw=raw), issue_id))
        elif issue_id in named and (path := _inbox_copy(inbox, *named[issue_id])) is not None:
            found.append((SourcePage(*named[issue_id], path=path), issue_id))
        else:
            unknown[issue_id] = named.get(issue_id, (None,))[0]
    sources = [p for p, _ in found]
    return sources, unknown, {p.name: i for p, i in found}


def _inbox_copy(inbox: Path, name: str, sha: str) -> Path | None:
    path = inbox / name
    try:
        return path if path.is_file() and sha256_of(path.read_bytes()) == sha else None
    except OSError:
        return None


def _commit(con, parsed: ParsedBatch, run_id: str) -> Committed:
    """One batch through the ordinary load: frames, the GX suites (in this process), one atomic commit (its older
    rows replaced)."""
    from expectations import validate_batch

    return batch.commit(con, batch.validate(con, parsed, validate_batch), run_id)


def _drop(con, issue_ids: list[str], run_id: str) -> None:
    """The remaining rows of pages that could not be loaded again, in one commit: a page is whole or absent,
    and an absent page's file is new to the next run."""
    if not issue_ids:
        return
    with connection.transaction(con):
        for table in PAGE_HOLDERS:
            con.execute(f"DELETE FROM {table} WHERE issue_id IN (SELECT unnest(?::VARCHAR[]))", [issue_ids])
        connection.commit(con, {"run_id": run_id, "kind": "repair", "pages": -len(issue_ids)})


def _refill_districts(con, run_id: str) -> None:
    with connection.transaction(con):
        con.execute("DELETE FROM districts")
        con.executemany("INSERT INTO districts VALUES (?, ?, ?, ?)",
                        [(d.code, d.name, d.short_name, d.kind) for d in load_districts()])
        connection.commit(con, {"run_id": run_id, "kind": "repair"})
