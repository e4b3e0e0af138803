"""`make bench`: throughput, memory and scaling of the pipeline on generated corpora; writes bench/results.md.

Per corpus size: the floor (bare `jieba.lcut` over the same files, one process) and rjieba's figure;
parse + transform alone (one process); `cppcc run` end to end (Prefect ephemeral, whole process tree:
wall time, peak RSS, validation and load time, warehouse size) with one page per transaction (the
default) and with 200; a no-op re-run; and a profile of the parser.

    python bench/run.py [--sizes 100 1000 10000] [--work data/bench] [--out bench/results.md]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CPPCC = str(Path(sys.executable).parent / "cppcc")

FLOOR_SCRIPT = r"""
import json, sys, time
from pathlib import Path
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).iterdir())]
if sys.argv[2] == "jieba":
    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    cut = jieba.lcut
else:
    import rjieba
    rjieba.cut("重庆")
    cut = rjieba.cut
started = time.perf_counter()
for text in texts:
    cut(text)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

PARSE_SCRIPT = r"""
import hashlib, json, sys, time
from pathlib import Path
from transforms.page import parse_page
from transforms.tokens import warm_up
warm_up()
files = sorted(Path(sys.argv[1]).iterdir())
started = time.perf_counter()
for f in files:
    raw = f.read_bytes()
    parse_page(raw.decode("utf-8"), f.name, hashlib.sha256(raw).hexdigest()).tables()
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

PROFILE_SCRIPT = r"""
import hashlib, sys
from pathlib import Path
from pyinstrument import Profiler
from transforms.page import parse_page
from transforms.tokens import warm_up
warm_up()
files = sorted(Path(sys.argv[1]).iterdir())[:300]
parse_page(files[0].read_text(encoding="utf-8"), files[0].name, "0" * 64).tables()   # first-call imports
profiler = Profiler(interval=0.0005)
profiler.start()
for f in files:
    raw = f.read_bytes()
    parse_page(raw.decode("utf-8"), f.name, hashlib.sha256(raw).hexdigest()).tables()
profiler.stop()
print(profiler.output_text(unicode=False, color=False))
"""


def run_json(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def watched(cmd: list[str], env: dict) -> tuple[float, dict, str]:
    """(wall seconds, peak memory of the process and its children, output).

    Memory: `rss` sums each process's resident set (pages shared by forked workers count once per worker);
    `pss` shares them out (proportional set size), which is what the tree really holds."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    parent, peak, chunks = psutil.Process(proc.pid), {"rss": 0, "pss": 0}, []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))
    reader.start()
    while proc.poll() is None:
        try:
            tree = [p.memory_full_info() for p in [parent, *parent.children(recursive=True)]]
            peak = {k: max(peak[k], sum(getattr(m, k) for m in tree)) for k in peak}
        except psutil.Error:
            pass
        time.sleep(0.2)
    reader.join()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{''.join(chunks)[-3000:]}")
    return wall, peak, "".join(chunks)


def corpus(work: Path, size: int) -> Path:
    folder = work / f"corpus-{size}"
    if not folder.is_dir() or len(list(folder.iterdir())) != size:
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([CPPCC, "generate", "--pages", str(size), "--seed", "2026", "--out", str(folder)],
                       check=True, capture_output=True)
    return folder


def end_to_end(inbox: Path, work: Path, pages_per_transaction: int) -> dict:
    warehouse = work / f"w-{inbox.name}-{pages_per_transaction}.duckdb"
    for leftover in (warehouse, Path(f"{warehouse}.wal"), Path(f"{warehouse}.lock")):
        leftover.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}   # ephemeral Prefect, as on a fresh machine
    env.update(CPPCC_SETTLE_SECONDS="0", CPPCC_PAGES_PER_TRANSACTION=str(pages_per_transaction),
               CPPCC_QUARANTINE=str(work / "quarantine"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_LOGGING_LEVEL="WARNING", TQDM_DISABLE="1")
    wall, peak, out = watched([CPPCC, "run", "--inbox", str(inbox), "--warehouse", str(warehouse)], env)
    stages = dict((k, float(v)) for k, v in re.findall(r"(\w+) ([\d.]+)", out.split("seconds: ")[-1].splitlines()[0]))
    noop_wall, _, noop_out = watched([CPPCC, "run", "--inbox", str(inbox), "--warehouse", str(warehouse)], env)
    assert "nothing new" in noop_out, noop_out
    return {"wall": wall, "peak": peak, "stages": stages, "warehouse_bytes": warehouse.stat().st_size,
            "noop_wall": noop_wall}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return (f"{cpu}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def measure(size: int, work: Path) -> dict:
    inbox = corpus(work, size)
    megabytes = sum(p.stat().st_size for p in inbox.iterdir()) / 1e6
    print(f"[{size}] {megabytes:.1f} MB: floor", flush=True)
    row = {"pages": size, "mb": megabytes,
           "jieba": run_json(FLOOR_SCRIPT, str(inbox), "jieba")["seconds"],
           "rjieba": run_json(FLOOR_SCRIPT, str(inbox), "rjieba")["seconds"]}
    print(f"[{size}] parse only", flush=True)
    row["parse"] = run_json(PARSE_SCRIPT, str(inbox))["seconds"]
    for per_tx in (1, 200):
        print(f"[{size}] cppcc run, {per_tx} pages per transaction", flush=True)
        row[f"e2e_{per_tx}"] = end_to_end(inbox, work, per_tx)
    return row


def report(rows: list[dict], profile: str) -> str:
    def rate(row, seconds):
        return f"{row['pages'] / seconds:,.0f} p/s, {row['mb'] / seconds:.2f} MB/s"

    lines = [f"# Benchmark results ({date.today().isoformat()})", "",
             f"Machine: {machine()}.", "",
             "Corpora: `cppcc generate --seed 2026` (the project's own synthetic pages). `cppcc run` is the whole "
             "command with Prefect in ephemeral mode (it starts a throwaway server), two parsing processes, "
             "200 pages per task; memory is the peak over the process and its children (the ephemeral Prefect server, "
             "the forkserver and its parsing workers), as PSS (shared pages shared out) and as summed RSS. "
             "Floor = bare `jieba.lcut` over the same files in one process.", "",
             "| pages | MB | jieba floor | rjieba | parse only (1 process) | `cppcc run`, 1 page/tx | vs floor "
             "| `cppcc run`, 200 pages/tx | vs floor | peak memory (PSS / summed RSS) | warehouse | no-op re-run |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        one, grouped = r["e2e_1"], r["e2e_200"]
        lines.append(
            f"| {r['pages']:,} | {r['mb']:.1f} | {rate(r, r['jieba'])} | {rate(r, r['rjieba'])} | {rate(r, r['parse'])} "
            f"| {one['wall']:.1f} s, {rate(r, one['wall'])} | {r['jieba'] / one['wall']:.2f}× "
            f"| {grouped['wall']:.1f} s, {rate(r, grouped['wall'])} | {r['jieba'] / grouped['wall']:.2f}× "
            f"| {max(one['peak']['pss'], grouped['peak']['pss']) / 2**20:,.0f} MB / "
            f"{max(one['peak']['rss'], grouped['peak']['rss']) / 2**20:,.0f} MB | {grouped['warehouse_bytes'] / 2**20:.1f} MB "
            f"| {max(one['noop_wall'], grouped['noop_wall']):.2f} s |")
    lines += ["", "Stage seconds inside the flow (`plan`, waiting for parsing, GX validation incl. its import, loading):", "",
              "| pages | pages/tx | plan | parse wait | validate | load |", "|---|---|---|---|---|---|"]
    for r in rows:
        for per_tx in (1, 200):
            s = r[f"e2e_{per_tx}"]["stages"]
            lines.append(f"| {r['pages']:,} | {per_tx} | {s.get('plan', 0):.2f} | {s.get('parse_wait', 0):.2f} "
                         f"| {s.get('validate', 0):.2f} | {s.get('load', 0):.2f} |")
    by_size = {r["pages"]: r for r in rows}
    if 1000 in by_size and 10000 in by_size:
        lines += ["", "Scaling 1,000 → 10,000 pages (wall time ÷ 10; 1.00 is linear):", ""]
        for per_tx in (1, 200):
            ratio = by_size[10000][f"e2e_{per_tx}"]["wall"] / by_size[1000][f"e2e_{per_tx}"]["wall"] / 10
            lines.append(f"- {per_tx} page(s) per transaction: {ratio:.2f}")
    lines += ["", "## Profile of parse + transform (pyinstrument, 300 pages, one process)", "", "```", profile.strip(), "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    parser.add_argument("--raw", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows = [measure(size, args.work) for size in args.sizes]
    profile = subprocess.run([sys.executable, "-c", PROFILE_SCRIPT, str(corpus(args.work, max(args.sizes)))],
                             capture_output=True, text=True, check=True, cwd=ROOT).stdout
    args.out.write_text(report(rows, profile), encoding="utf-8")
    (args.raw or args.work / "results.json").write_text(json.dumps(rows, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
