"""results.md from the bench's figures (results.json): tables of measured figures against the targets, and the
explanation of each gap, every number in it taken from the figures. `python -m bench.report [results.json]`
rewrites the results.md beside it."""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from .runs import NIGHT_PAGES

FULL_PAGES = 10_000           # the size the targets are set for
TARGETS = {"throughput": 2.0, "night_seconds": 5.0, "pss_mib": 800, "scaling": 1.1, "query_seconds": 1.0}
MiB = 2**20
STAGES = ("plan", "parse_wait", "validate", "commit", "data_docs", "housekeeping")     # as `cppcc run --json` says


def mib(value: float) -> str:
    return f"{value / MiB:,.0f} MiB"


def seconds(values) -> str:
    return ", ".join(f"{v:.2f} s" for v in values)


def stage_seconds(stages: dict, stage: str) -> str:
    """A stage's seconds as the run reported them; a dash for a stage the run did not report (older figures)."""
    return f"{stages[stage]:.2f}" if stage in stages else "—"


def met(ok: bool, full_size: bool) -> str:
    if not full_size:
        return f"not judged (the target is for {FULL_PAGES:,} pages)"
    return "yes" if ok else "**no**, see below"


def report(figures: dict) -> str:
    by_size = {r["pages"]: r for r in figures["sizes"]}
    big = by_size[max(by_size)]
    full = big["pages"] == FULL_PAGES
    load = figures.get("load_average")
    busy = (f" Load average (1 min) when the measurements started and ended: {load[0]:.1f}, {load[1]:.1f}"
            + (": other work on the machine takes its share of the cores." if max(load) > figures["cores"] else ".")
            if load else "")
    lines = [f"# Benchmark results ({figures['date']})", "", f"Machine: {figures['machine']}.{busy}", "",
             f"Corpora: `cppcc generate --seed {figures['seed']}` (the project's own pages, with every layout variant "
             "the parser reads). Default settings; a Prefect server running beside (started by the benchmark, as "
             "`make run` does; its memory is not counted). Floor = bare `jieba.lcut` over the same files in one "
             "process. Memory = peak PSS of `cppcc run` and its children (parsing forkserver and workers, the GX "
             "process). Written by `python -m bench` from results.json; every figure below is measured.", ""]
    lines += targets(figures, by_size, big, full) + runs_table(figures, by_size)
    if "compare" in figures:
        lines += compare(figures["compare"])
    if "housekeeping" in figures:
        lines += year(figures["housekeeping"])
    lines += gap(figures, big)
    if "validation" in figures:
        lines += validation(figures["validation"], figures.get("start_up"))
    if "distributed" in figures:
        lines += distributed(figures["distributed"])
    if "explore" in figures:
        from .explore import report as explore_report
        lines += explore_report(figures["explore"])
    if "parse_profile" in figures:
        p = figures["parse_profile"]
        lines += [f"## Profile of the parser (pyinstrument, {p['pages']} pages, one process)", "", "```",
                  p["profile"].strip(), "```", ""]
    return "\n".join(lines)


def targets(figures: dict, by_size: dict, big: dict, full: bool) -> list[str]:
    run = big["run"]
    ratio = big["floor"] / run["wall"]
    walls = [n["wall"] for n in figures.get("nights", [])]
    pss = run["peak"]["pss"] / MiB
    out = ["## Targets", "", "| target | result | met |", "|---|---|---|",
           f"| {FULL_PAGES:,} pages ≥ {TARGETS['throughput']}× the `jieba.lcut` floor | {big['pages']:,} pages: "
           f"{ratio:.2f}× ({big['pages'] / run['wall']:,.0f} p/s against {big['pages'] / big['floor']:,.0f} p/s) "
           f"| {met(ratio >= TARGETS['throughput'], full)} |"]
    night = f"a night's {NIGHT_PAGES} new pages on the {FULL_PAGES:,}-page warehouse < {TARGETS['night_seconds']:.0f} s"
    if walls:
        out.append(f"| {night}, by `cppcc run` (interpreter start included) | {seconds(walls)} on {big['pages']:,} "
                   f"pages | {met(max(walls) < TARGETS['night_seconds'], full)} |")
    served = [n["wall"] for n in figures.get("served_nights", [])]
    if served:
        out.append(f"| {night}, as `cppcc serve` runs it (the run's process start included) | {seconds(served)} on "
                   f"{big['pages']:,} pages | {met(max(served) < TARGETS['night_seconds'], full)} |")
    out.append(f"| peak PSS at {FULL_PAGES:,} pages < {TARGETS['pss_mib']} MiB | {pss:,.0f} MiB at {big['pages']:,} "
               f"| {met(pss < TARGETS['pss_mib'], full)} |")
    if len(by_size) > 1:
        small = by_size[min(by_size)]
        factor = big["pages"] / small["pages"]
        scaling = big["run"]["wall"] / small["run"]["wall"] / factor
        out.append(f"| {small['pages']:,} → {big['pages']:,} pages within {TARGETS['scaling']}× of linear "
                   f"| {scaling:.2f} | {'yes' if scaling <= TARGETS['scaling'] else '**no**'} |")
    if run["query_max"] is not None:
        out.append(f"| a query during the {big['pages']:,}-page load answers < {TARGETS['query_seconds']:.0f} s "
                   f"| max {run['query_max']:.3f} s, median {run['query_median']:.3f} s over {run['queries']} queries "
                   f"(a new sandboxed connection each) | {'yes' if run['query_max'] < TARGETS['query_seconds'] else '**no**'} |")
    return out + [""]


def runs_table(figures: dict, by_size: dict) -> list[str]:
    stages = STAGES
    out = ["## Runs", "",
           "| pages | MB | floor | parse only (1 process) | `cppcc run` | vs floor | peak PSS / summed RSS | "
           + " | ".join(stages) + " |", "|---" * (7 + len(stages)) + "|"]
    for r in by_size.values():
        run, s = r["run"], r["run"]["stages"]
        out.append(f"| {r['pages']:,} | {r['mb']:.1f} | {r['pages'] / r['floor']:,.0f} p/s | {r['pages'] / r['parse']:,.0f} p/s "
                   f"| {run['wall']:.1f} s, {r['pages'] / run['wall']:,.0f} p/s | {r['floor'] / run['wall']:.2f}× "
                   f"| {mib(run['peak']['pss'])} / {mib(run['peak']['rss'])} | "
                   + " | ".join(stage_seconds(s, stage) for stage in stages) + " |")
    out.append("")
    if "nights" in figures:
        out += [f"A night's {NIGHT_PAGES} new pages on that warehouse, stage seconds as the run reports them:", "",
                "| night | wall | peak PSS | " + " | ".join(stages) + " | exit after the result |",
                "|---" * (4 + len(stages)) + "|"]
        for i, n in enumerate(figures["nights"], 1):
            out.append(f"| {i} | {n['wall']:.2f} s | {mib(n['pss'])} | "
                       + " | ".join(stage_seconds(n["stages"], stage) for stage in stages)
                       + f" | {n['exit_after_result']:.2f} s |")
        if "served_nights" in figures:
            out += ["", "The same nights as `cppcc serve` runs them: the deployment's run in a process Prefect's runner "
                    "starts (interpreter, Prefect and the flow loaded anew each night), parsed and checked by the "
                    "helper `serve` keeps loaded (GX and the parser); from the runner taking the run (Pending) to "
                    "Completed, as the server recorded them:", "", "| night | wall |", "|---|---|"]
            out += [f"| {i} | {n['wall']:.2f} s |" for i, n in enumerate(figures["served_nights"], 1)]
        out += ["", "| no-op re-run (nothing new: no flow run) | pages | wall |", "|---|---|---|",
                f"| `cppcc run` over the same files again | {max(by_size):,} | {figures['noop']:.2f} s |", ""]
    if "start_up" in figures:
        out += start_up_table(figures["start_up"])
    out += memory_table(by_size)
    return out


def start_up_table(start_up: dict) -> list[str]:
    """What each part costs a fresh interpreter before any page (`bench.startup`)."""
    names = {"python": "the interpreter alone", "prefect": "`import prefect`",
             "parser": "the parser with its dictionaries (the parsing forkserver)",
             "great_expectations": "GX with the suites built (the validator process)"}
    return (["What each part of a run costs a fresh interpreter before any page (best of the tries):", "",
             "| part | seconds | PSS |", "|---|---|---|"]
            + [f"| {names.get(part, part)} | {v['seconds']:.2f} | {mib(v['pss'])} |" for part, v in start_up.items()]
            + [""])


def memory_table(by_size: dict) -> list[str]:
    """Each part's own peak PSS in each large run (its processes summed; the parts peak at different moments)."""
    parts = (("main", "the command"), ("parsers", "parsers (forkserver and workers)"), ("validator", "GX validator"),
             ("other", "other helpers"))
    out = ["Peak PSS of each part of `cppcc run` (each part's own peak), and of the whole:", "",
           "| pages | " + " | ".join(label for _, label in parts) + " | whole |", "|---" * (len(parts) + 2) + "|"]
    for r in by_size.values():
        peak = r["run"]["peak"]
        out.append(f"| {r['pages']:,} | " + " | ".join(mib(peak[f'pss_{part}']) for part, _ in parts)
                   + f" | {mib(peak['pss'])} |")
    return out + [""]




def compare(c: dict) -> list[str]:
    ratios = [c["lake_queries"][q] / c["duckdb_queries"][q] for q in c["lake_queries"]]
    out = ["## The DuckDB-file warehouse of before beside the DuckLake", "",
           f"The same {c['pages']:,} pages, parsed once, loaded in batches of up to {c['batch_pages']:,} pages (one "
           "transaction, one commit each).", "",
           "| | DuckDB file | DuckLake (SQLite catalog + Parquet) |", "|---|---|---|",
           f"| load | {c['duckdb_load']:.2f} s | {c['lake_load']:.2f} s |",
           f"| size on disk | {c['duckdb_bytes'] / MiB:.1f} MiB | {c['lake_bytes'] / MiB:.1f} MiB |"]
    out += [f"| query: {q} | {c['duckdb_queries'][q] * 1000:.1f} ms | {c['lake_queries'][q] * 1000:.1f} ms |"
            for q in c["duckdb_queries"]]
    out += [f"| a writer while a reader holds it | {c['duckdb_writer_with_reader']} | {c['lake_writer_with_reader']} |", "",
            f"The lake loads {'faster' if c['lake_load'] < c['duckdb_load'] else 'slower'}, is "
            f"{c['duckdb_bytes'] / c['lake_bytes']:.1f}× smaller and answers these queries "
            f"{statistics.mean(ratios):.1f}× {'slower' if statistics.mean(ratios) > 1 else 'faster'} (the catalog "
            "lookups and Parquet reads against DuckDB's own file); it is the one where a reader left open overnight "
            "does not stop the nightly run: the measured choice.", ""]
    return out


def year(h: dict) -> list[str]:
    return [f"## {'A year' if h['nights'] >= 365 else str(h['nights']) + ' nights'} of nightly runs", "",
            f"{h['nights']} commits of {h['pages_per_night']} pages (each with its `runs` row), then the housekeeping "
            f"every run ends with (`maintenance.housekeeping`: rows inlined in the catalog written out, snapshots older than "
            f"the setting — {h['keep_snapshots_days']} days here — expired, files under "
            f"{h['small_file_bytes'] / 1e6:g} MB merged, files nothing needs any more deleted; {h['checkpoint']:.1f} s):",
            "", "| | data files | snapshots | query (districts × metrics join) |", "|---|---|---|---|",
            f"| before housekeeping | {h['before']['files']:,} | {h['before']['snapshots']:,} | {h['before']['query'] * 1000:.1f} ms |",
            f"| after | {h['after']['files']:,} | {h['after']['snapshots']:,} | {h['after']['query'] * 1000:.1f} ms |", "",
            "Since every `cppcc run` ends with it, the nights never pile up like the first row.", ""]


def gap(figures: dict, big: dict) -> list[str]:
    """Where the time and memory of the large run and of a night go, from the stage timings, the single-process
    parse rate and each process's peak: what bounds each figure and what would move it."""
    cores = figures["cores"]
    pages, run = big["pages"], big["run"]
    s, peak = run["stages"], run["peak"]
    floor_rate, parse_ms = pages / big["floor"], big["parse"] / pages * 1000
    ceiling = cores / (parse_ms / 1000)
    needed_ms = cores / (TARGETS["throughput"] * floor_rate) * 1000
    around = {k: s.get(k, 0) for k in ("parse_wait", "validate", "commit", "housekeeping")}
    rest = run["wall"] - sum(around.values())
    out = ["## Where the time goes", "",
           f"- **Parsing bounds throughput.** One process parses a page in {parse_ms:.2f} ms "
           f"({1000 / parse_ms:,.0f} p/s; segmenting with rjieba, headlines, metrics, proposals, keywords — see the "
           f"profile below); `jieba.lcut` alone does {floor_rate:,.0f} p/s. With {cores} cores and nothing else "
           f"running, parsing alone tops out at {ceiling:,.0f} p/s = {ceiling / floor_rate:.2f}× the floor, so "
           f"{TARGETS['throughput']}× on this machine needs ≤ {needed_ms:.2f} ms of parsing per page and core — "
           f"{parse_ms / needed_ms:.1f}× less than today — or more cores (the target scales with cores: the floor "
           "is one process). The rest of the run shares the same cores.",
           f"- **Around the parsing**, in the {pages:,}-page run: waiting for parsed batches {around['parse_wait']:.1f} s, "
           f"GX validation {around['validate']:.1f} s, commits {around['commit']:.1f} s, housekeeping "
           f"{around['housekeeping']:.1f} s, and {rest:.1f} s for the interpreter, Prefect, the plan and the summary. "
           "Validation and commits overlap parsing (the next batch parses meanwhile), but they take CPU from it."]
    if "nights" in figures and "start_up" in figures:
        out.append(night_gap(figures["nights"], figures["start_up"], figures.get("served_nights", [])))
    if run["query_max"] is not None:
        slow = sum(1 for q in run["query_latencies"] if q >= TARGETS["query_seconds"])
        out.append(
            f"- **Queries during the load** answer in {run['query_median']:.2f} s (median; a new sandboxed connection "
            f"each: extensions loaded, catalog attached), at most {run['query_max']:.2f} s; {slow} of "
            f"{run['queries']} took {TARGETS['query_seconds']:.0f} s or more"
            + (f", and {len(run['query_failures'])} failed ({run['query_failures'][0]})" if run["query_failures"] else "")
            + f". On the idle warehouse after the load, a new connection answers in {run['idle_query_median']:.2f} s "
            f"(median, at most {run['idle_query_max']:.2f} s) and the query itself, on an open connection, takes "
            f"{run['open_connection_query'] * 1000:.1f} ms: what a query waits for beyond that during the load is the "
            "writer — the CPU it shares, and the SQLite catalog, whose WAL file DuckDB's SQLite extension deletes and "
            "re-creates around each of the writer's commits (a reader arriving then waits for SQLite). A PostgreSQL "
            "catalog has no WAL file; a reader that stays connected (a notebook, `cppcc sql`) pays the attach once.")
    out.append(memory_gap(peak, figures.get("start_up")))
    return out + [""]


def night_gap(nights: list[dict], start_up: dict, served: list[dict]) -> str:
    sec = {part: start_up[part]["seconds"] for part in start_up}
    short = {"prefect": "Prefect's import", "parser": "Loading the parser", "great_expectations": "GX's import"}
    longest = max(short, key=sec.get)
    stage_sums = {k: statistics.median(n["stages"].get(k, 0) for n in nights) for k in STAGES}
    remedy = {"great_expectations": "a validator that does not import GX per run: `cppcc serve` keeps one loaded "
                                    "(the served nights)",
              "prefect": "a run that does not import Prefect's client per night (a long-lived `cppcc serve`)",
              "parser": "a parser that loads its dictionaries faster, or parsing workers kept warm by `cppcc serve`"}
    text = (f"- **A night of {NIGHT_PAGES} pages** by `cppcc run` (median wall "
            f"{statistics.median(n['wall'] for n in nights):.2f} s) is start-up: its stages take "
            f"{sum(stage_sums.values()):.2f} s of it (the medians of the nights' table). The CLI imports Prefect while "
            "the two helper processes load at once on the other core (each part's cost alone: the start-up table), "
            "then the flow run registers with the server; after printing its result the command takes another "
            f"{statistics.median(n['exit_after_result'] for n in nights):.2f} s (median) to exit, in Prefect's exit "
            f"handlers (its log and event flushers, its heartbeat thread). {short[longest]} is the long pole: closing "
            f"the gap needs {remedy[longest]}.")
    if served and all("start" in n for n in served):
        wall = statistics.median(n["wall"] for n in served)
        text += (f" As `cppcc serve` runs a night (median {wall:.2f} s), GX and the parser are loaded already, in the "
                 "helper `serve` keeps (the night is parsed and checked there); "
                 f"{statistics.median(n['start'] for n in served):.2f} s (median) pass before the flow runs (Prefect's "
                 "runner starting the run's process, which imports Prefect and the flow), and the rest is the run's "
                 "own stages and Prefect's flow engine registering the run and its task runs with the server.")
        if wall >= TARGETS["night_seconds"]:
            text += " What is left over the target is that per-run process and registration: Prefect's."
    return text


def memory_gap(peak: dict, start_up: dict | None) -> str:
    text = (f"- **Memory** (peak PSS {mib(peak['pss'])}; each part's own peak in the memory table, what each costs "
            "before any page in the start-up table)")
    if start_up:
        text += (": the rest is a batch in flight (its pages as Python rows, their frames, GX's pandas copy of the "
                 "checked columns) and DuckDB merging files during housekeeping (the helpers are stopped before it). "
                 "Going below the target means fewer resident libraries: the checks without GX's pandas machinery, "
                 "or parsing workers that return Arrow batches instead of Python rows.")
    return text + ("" if start_up else ".")


VALIDATION_WAYS = {"pandas_complete": "pandas frames, result_format COMPLETE (today's)",
                   "pandas_summary": "pandas frames, SUMMARY (a failed suite asked again with COMPLETE)",
                   "pandas_boolean": "pandas frames, BOOLEAN_ONLY (a failed suite asked again with COMPLETE)",
                   "sql_sqlite": "SQLAlchemy execution engine on an SQLite file (writing it included)",
                   "sql_duckdb": "SQLAlchemy execution engine on DuckDB (`duckdb_engine`, writing included)"}


def validation(v: dict, start_up: dict | None) -> list[str]:
    """The ways of validating with GX side by side (bench/validation.py), and what a warm validator saves."""
    rows = ", ".join(f"{n:,} {t}" for t, n in v["rows"].items())
    out = ["## Validating with Great Expectations, side by side", "",
           f"The contract's suites on one batch of {v['pages']:,} pages ({rows} rows), in one process after an "
           "untimed first pass, the best of three tries. A way counts if it finds nothing wrong in the batch and the "
           "same failed checks as today's in a copy with one article twice.", "",
           "| way | seconds | ms per page | checks failed: clean batch, faulty copy | counts |", "|---|---|---|---|---|"]
    valid = {}
    for name, r in v["ways"].items():
        label = VALIDATION_WAYS.get(name, name)
        if "error" in r:
            out.append(f"| {label} | could not run: {r['error']} | — | — | no |")
            continue
        ok = r["same_findings"] and r["clean_findings"] == 0
        out.append(f"| {label} | {r['seconds']:.3f} | {r['seconds'] / v['pages'] * 1000:.2f} "
                   f"| {r['clean_findings']}, {r['faulty_findings']} | {'yes' if ok else '**no**'} |")
        if ok:
            valid[name] = r["seconds"]
    out.append("")
    if valid:
        from expectations import RESULT_FORMAT

        best = min(valid, key=valid.get)
        used = f"pandas_{RESULT_FORMAT.lower()}"
        text = f"The fastest way that counts is {VALIDATION_WAYS[best].split(' (')[0]} ({valid[best]:.3f} s)"
        if used in valid and used != best:
            text += (f". The run uses {RESULT_FORMAT} ({valid[used]:.3f} s, {valid[used] / valid[best]:.1f}× the fastest): "
                     "it names the failing rows in the same pass" + (
                         ", and BOOLEAN_ONLY results carry no observed values, so Data Docs would show only pass or "
                         "fail" if best == "pandas_boolean" else ""))
        text += "."
        if start_up and "great_expectations" in start_up:
            gx = start_up["great_expectations"]["seconds"]
            text += (f" What every run pays before its first check, GX's import with the suites built, is {gx:.2f} s "
                     f"(the start-up table), {gx / valid.get(used, valid[best]):.0f}× the checking of this batch: for a night's pages "
                     "only not paying it moves the figure, which is what the validator `cppcc serve` keeps loaded "
                     "does (the served nights).")
        out += [text, ""]
    return out


def distributed(d: dict) -> list[str]:
    threads = f" × {d['dask_threads']} thread{'s' if d['dask_threads'] != 1 else ''}" if "dask_threads" in d else ""
    out = ["## Past one machine", "",
           f"{d['pages']:,} pages, wall time of `cppcc run` (Dask: a local cluster of {d['dask_workers']} worker "
           f"processes{threads} on this machine's cores, so this is the cost of the distributed path, not a "
           "speed-up):", "", "| catalog and writers | wall | pages/s |", "|---|---|---|"]
    for key, label in [("local", "SQLite catalog, local parsing processes, the flow's process commits (default)"),
                       ("dask_one_writer", "SQLite catalog, parsing on Dask, the flow's process commits"),
                       ("dask_every_worker", f"PostgreSQL catalog, every Dask worker parses, validates and commits "
                                             f"({d['committers']} committing process{'es' if d['committers'] != 1 else ''})")]:
        out.append(f"| {label} | {d[key]:.1f} s | {d['pages'] / d[key]:,.0f} |")
    return out + [""]


def main(saved: Path) -> None:
    out = saved.with_suffix(".md")
    out.write_text(report(json.loads(saved.read_text())), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json"))
