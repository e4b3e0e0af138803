"""What a run did: counts for the CLI, the `runs` table and the Prefect artifact, which all read this; the one
way the counters of a run (or of a plan) are said; and the artifact itself. No Prefect at import: `cppcc run`
says "nothing new" with these lines before Prefect is loaded."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from warehouse.contract import PAGE_TABLES
from warehouse.errors import first_line

from . import FLOW_NAME
from .sources import Plan

if TYPE_CHECKING:
    from .batch import Committed
    from .quarantine import Rejected

ARTIFACT_KEY = f"{FLOW_NAME}-summary"

# The counters of a run (the `runs` table's columns) and of a plan, as they are said, in the order they are said.
# A run's add up: files seen = loaded + quarantined + unchanged + renamed + duplicates + quarantined before +
# not ready (for the inbox; stored pages are all re-loaded or quarantined); a plan's: files seen = new +
# unchanged + renamed + duplicates + quarantined before + unreadable + not ready.
COUNTERS = {"files_seen": "files seen", "new": "new", "loaded": "loaded", "quarantined": "quarantined",
            "unchanged": "unchanged", "renamed": "renamed", "duplicates": "duplicates",
            "known_bad": "quarantined before", "unreadable": "unreadable", "not_ready": "not ready"}
RUN_COUNTERS = ("files_seen", "loaded", "quarantined", "unchanged", "renamed", "duplicates", "known_bad", "not_ready")


def counts_line(counts: Mapping, names: Sequence[str] | None = None) -> str:
    """`files seen 11: loaded 2, quarantined 7, …`: the counters in `counts` (a `runs` row, the flow's result,
    a plan's `counters()`), or only those `names` lists."""
    said = [n for n in COUNTERS if n in counts and (names is None or n in names)]
    lead = f"files seen {counts['files_seen']}: " if "files_seen" in said else ""
    return lead + ", ".join(f"{COUNTERS[n]} {counts[n]}" for n in said if n != "files_seen")


@dataclass
class RunSummary:
    source: str                                   # inbox | stored | retry
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    flow_run_id: str | None = None
    started_at: datetime = field(default_factory=datetime.now)
    finished_at: datetime | None = None
    status: str = "Running"
    reason: str | None = None
    files_seen: int = 0
    unchanged: int = 0
    renamed: int = 0
    duplicates: int = 0
    known_bad: int = 0
    not_ready: int = 0
    loaded: list[str] = field(default_factory=list)
    quarantined: list[tuple[str, str, str]] = field(default_factory=list)   # (name, stage, reason) this run
    rows_added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PAGE_TABLES, 0))
    totals: dict[str, int] = field(default_factory=dict)                   # the warehouse after the run
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(
        ("plan", "parse_wait", "validate", "commit", "data_docs", "housekeeping"), 0.0))
    data_docs: str | None = None                                           # the Data Docs index, when built
    articles_by_district: dict[str, int] = field(default_factory=dict)    # article rows this run added

    def planned(self, plan: Plan) -> None:
        self.files_seen, self.unchanged, self.renamed = plan.files_seen, len(plan.unchanged), len(plan.renamed)
        self.duplicates, self.known_bad, self.not_ready = len(plan.duplicates), len(plan.known_bad), len(plan.not_ready)

    def committed(self, batch: Committed) -> None:
        """A batch in the warehouse: its pages, rows and articles' districts counted, its rejected files listed."""
        self.loaded += batch.loaded
        for table, n in batch.rows.items():
            self.rows_added[table] += n
        self.count_districts(batch.districts)
        self.set_aside(batch.rejected)

    def set_aside(self, rejected: Iterable[Rejected]) -> None:
        self.quarantined += [(r.name, r.stage, r.reason) for r in rejected]

    @contextmanager
    def timed(self, stage: str):
        """Add the block's seconds to the stage's (the run's `seconds`)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started

    def count_districts(self, districts: list[str | None]) -> None:
        """The district names of the article rows a batch committed."""
        for name in districts:
            key = name or "（无区县）"
            self.articles_by_district[key] = self.articles_by_district.get(key, 0) + 1

    def finish(self, status: str, reason: str | None = None) -> None:
        self.status, self.reason, self.finished_at = status, reason, datetime.now()

    def as_row(self) -> dict:
        """The run's row in the `runs` table."""
        return {"run_id": self.run_id, "flow_run_id": self.flow_run_id, "source": self.source,
                "started_at": self.started_at, "finished_at": self.finished_at, "status": self.status,
                "reason": self.reason, "files_seen": self.files_seen, "loaded": len(self.loaded),
                "unchanged": self.unchanged, "renamed": self.renamed, "duplicates": self.duplicates,
                "quarantined": len(self.quarantined), "known_bad": self.known_bad, "not_ready": self.not_ready,
                **{f"{t}_added": n for t, n in self.rows_added.items() if t != "issues"}}

    def as_dict(self) -> dict:
        return {**{k: v for k, v in self.as_row().items() if not isinstance(v, datetime)},
                "rows_added": self.rows_added, "totals": self.totals,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}

    def markdown(self) -> str:
        lines = [f"# nightly-ingest run `{self.run_id}`: {self.status}", ""]
        if self.reason:
            lines += [f"**Reason:** {self.reason}", ""]
        row = self.as_row()
        lines += ["| " + " | ".join(COUNTERS[n] for n in RUN_COUNTERS) + " |", "|---" * len(RUN_COUNTERS) + "|",
                  "| " + " | ".join(str(row[n]) for n in RUN_COUNTERS) + " |", "",
                  "## Rows", "", "| table | added by this run | warehouse total |", "|---|---|---|"]
        lines += [f"| {t} | {self.rows_added.get(t, 0)} | {self.totals.get(t, '')} |" for t in PAGE_TABLES]
        if self.quarantined:
            lines += ["", "## Quarantined by this run", "", "| file | stage | reason |", "|---|---|---|"]
            lines += [f"| {n} | {s} | {r} |" for n, s, r in self.quarantined]
        lines += self._charts()
        if self.data_docs:
            lines += ["", "## Validation", "", f"Great Expectations Data Docs of this run and the ones before: "
                      f"`{self.data_docs}` (served by `cppcc explore` beside the app: its overview links them)."]
        return "\n".join(lines)

    def _charts(self) -> list[str]:
        if self.status == "Cancelled":      # a run asked to stop says what it did and leaves (matplotlib takes a second)
            return []
        from .charts import FontMissing, run_charts

        try:
            charts = run_charts(self.articles_by_district, self.quarantined)
        except FontMissing as exc:
            return ["", f"(no charts: {exc})"]
        return [line for alt, uri in charts for line in ("", f"![{alt}]({uri})")]


def publish(summary: RunSummary, logger) -> None:
    """The run's summary artifact on the Prefect server. The server not answering, or refusing it, is no reason
    to fail a run (it may be why the run failed): said in the log instead."""
    import httpx
    from prefect.artifacts import create_markdown_artifact

    try:
        create_markdown_artifact(key=ARTIFACT_KEY, markdown=summary.markdown(),
                                 description="files seen / loaded / quarantined, rows added and totals")
    except httpx.HTTPError as exc:      # the server unreachable (TransportError) or answering an error status
        logger.warning("could not publish the run's summary artifact: %s", first_line(exc))
