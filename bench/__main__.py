"""`python -m bench`: every measurement, then results.json and results.md (see bench/__init__.py)."""
from __future__ import annotations

import argparse
import json
import os
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import psutil

from cppcc.environment import quiet_libraries

from . import runs
from .corpus import SEED, corpus, size_mb
from .measure import ROOT, machine, program
from .report import FULL_PAGES, report
from .startup import PARTS

STEPS = ["runs", "night", "distributed", "compare", "validation", "profile", "explore"]
DISTRIBUTED_PAGES = 2000
START_UP_TRIES = 3


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=int(os.environ.get("BENCH_PAGES", FULL_PAGES)),
                        help=f"the large corpus (default $BENCH_PAGES or {FULL_PAGES:,}); the small one is a tenth")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--out", type=Path, default=None,
                        help="results.md to write (default: bench/results.md at the full size, else in --work)")
    parser.add_argument("--steps", nargs="*", choices=STEPS, default=STEPS,
                        help="run only these (none: rewrite the report); other figures come from the last results.json")
    args = parser.parse_args()
    quiet_libraries()
    args.work.mkdir(parents=True, exist_ok=True)
    out = args.out or (ROOT / "bench" / "results.md" if args.pages == FULL_PAGES
                       else args.work / f"results-{args.pages}.md")
    saved = out.with_suffix(".json")
    figures: dict = json.loads(saved.read_text()) if set(args.steps) != set(STEPS) and saved.exists() else {}
    started_load = os.getloadavg()[0]
    figures.update(measure(args))
    if args.steps:
        figures["load_average"] = [started_load, os.getloadavg()[0]]
    saved.write_text(json.dumps(figures, indent=1, default=str))
    out.write_text(report(figures), encoding="utf-8")
    print(f"wrote {out} and {saved}")


def measure(args) -> dict:
    from cppcc.prefect_server import running_server

    big, work, steps = args.pages, args.work, set(args.steps)
    sizes = sorted({max(big // 10, 1), big})
    figures: dict = {}
    if steps:
        figures.update({"date": date.today().isoformat(), "machine": machine(), "cores": psutil.cpu_count(),
                        "seed": SEED})
    with running_server(work / "prefect") if steps & {"runs", "night", "distributed"} else nullcontext() as api_url:
        if "runs" in steps:
            figures["sizes"] = [one_size(work, size, api_url) for size in sizes]
        if "night" in steps:
            print("start-up, night, no-op", flush=True)
            figures["start_up"] = {part: start_up_cost(part) for part in PARTS}
            figures["nights"] = runs.night(work, big, api_url)
            figures["served_nights"] = runs.served_nights(work, big, api_url)
            figures["noop"] = runs.noop(work, big, api_url)
        if "distributed" in steps:
            print("past one machine: Dask and a PostgreSQL catalog", flush=True)
            figures["distributed"] = runs.past_one_machine(work, min(DISTRIBUTED_PAGES, big), api_url)
    if "compare" in steps:
        print("DuckDB file beside DuckLake; a year of nights", flush=True)
        inbox = str(corpus(work, big))
        figures["compare"] = program("compare", inbox, str(work))
        figures["housekeeping"] = program("year", inbox, str(work))
    if "validation" in steps:
        print("validating with GX: four ways", flush=True)
        figures["validation"] = program("validation", str(corpus(work, big)))
    if "profile" in steps:
        figures["parse_profile"] = program("parser_profile", str(corpus(work, big)))
    if "explore" in steps:       # search, explorer pages, charts and Data Docs on the largest run's warehouse
        from . import explore
        figures["explore"] = explore.measure(runs.settings_of(runs.env_for(work, f"w{big}", "", corpus(work, big))))
    return figures


def one_size(work: Path, size: int, api_url: str) -> dict:
    inbox = corpus(work, size)
    print(f"[{size}] floor, parse only, cppcc run", flush=True)
    return {"pages": size, "mb": size_mb(inbox), "floor": program("floor", str(inbox))["seconds"],
            "parse": program("parse_only", str(inbox))["seconds"], "run": runs.end_to_end(work, size, api_url)}


def start_up_cost(part: str) -> dict:
    """Wall seconds (best of three) of a fresh interpreter loading `part`, and its PSS afterwards."""
    import time

    walls, pss = [], 0
    for _ in range(START_UP_TRIES):
        started = time.perf_counter()
        pss = program("startup", part)["pss"]
        walls.append(time.perf_counter() - started)
    return {"seconds": min(walls), "pss": pss}


if __name__ == "__main__":
    main()
