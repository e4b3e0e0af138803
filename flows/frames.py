"""A batch's rows as columns: one polars frame per table, typed by the contract. The parsing process builds them
for the pages it parsed (`parsed.parse_to_frames`), so rows cross to the flow as Arrow-backed columns, never as
Python dicts; the flow concatenates a batch's chunks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from warehouse.contract import PAGE_TABLES, TABLES, polars_schema

if TYPE_CHECKING:
    from .parsed import ParsedPage


@dataclass
class BatchFrames:
    tables: dict[str, pl.DataFrame]     # the page tables
    raw_pages: pl.DataFrame             # the `pages` table: raw bytes of each page

    @property
    def pages(self) -> int:
        return self.tables["issues"].height

    def without(self, issue_ids: set[str]) -> BatchFrames:
        keep = ~pl.col("issue_id").is_in(list(issue_ids))
        return BatchFrames({t: f.filter(keep) for t, f in self.tables.items()}, self.raw_pages.filter(keep))

    def only(self, issue_id: str) -> BatchFrames:
        keep = pl.col("issue_id") == issue_id
        return BatchFrames({t: f.filter(keep) for t, f in self.tables.items()}, self.raw_pages.filter(keep))

    def rows(self) -> dict[str, int]:
        return {table: frame.height for table, frame in self.tables.items()}

    def issue_ids(self) -> dict[str, str]:
        """source_name -> issue_id of the pages in the frames."""
        issues = self.tables["issues"]
        return dict(zip(issues["source_name"].to_list(), issues["issue_id"].to_list()))


def build_frames(pages: list[ParsedPage], now: datetime | None = None) -> BatchFrames:
    """Rows of the parsed pages -> one frame per table. A row must have exactly the contract's columns."""
    now = now or datetime.now()
    rows: dict[str, list[dict]] = {t: [] for t in PAGE_TABLES}
    for page in pages:
        for table, table_rows in page.rows.tables().items():
            rows[table].extend(table_rows)
    tables = {}
    for table in PAGE_TABLES:
        columns = TABLES[table].column_names
        if rows[table] and set(rows[table][0]) != set(columns):
            raise ValueError(f"{table} rows have columns {sorted(rows[table][0])}, the contract {sorted(columns)}")
        data = {c: [r[c] for r in rows[table]] for c in columns}
        tables[table] = pl.DataFrame(data, schema=polars_schema(table))
    tables["issues"] = tables["issues"].with_columns(pl.lit(now, pl.Datetime("us")).alias("loaded_at"))
    issues = tables["issues"]
    raw_pages = pl.DataFrame({"issue_id": issues["issue_id"], "source_name": issues["source_name"],
                              "sha256": issues["sha256"], "raw": [p.raw for p in pages],
                              "stored_at": [now] * len(pages)}, schema=polars_schema("pages"))
    return BatchFrames(tables, raw_pages)


def concat(parts: list[BatchFrames]) -> BatchFrames:
    """The frames of several chunks of a batch as one."""
    if len(parts) == 1:
        return parts[0]
    return BatchFrames({t: pl.concat([p.tables[t] for p in parts], rechunk=False) for t in PAGE_TABLES},
                       pl.concat([p.raw_pages for p in parts], rechunk=False))
