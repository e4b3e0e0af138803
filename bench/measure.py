"""How the bench measures a command: wall time, the peak memory (PSS) of its process tree by part, and its
output; a program of the bench in a fresh interpreter; the machine."""
from __future__ import annotations

import json
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("main", "parsers", "validator", "other")


def role_of(process: psutil.Process, main_pid: int) -> str:
    """Which part of a run a process is: the command itself, the parsing forkserver and its workers, the GX
    validator (a spawned interpreter), or another helper (multiprocessing's resource tracker, a Dask cluster)."""
    if process.pid == main_pid:
        return "main"
    command = " ".join(process.cmdline())
    if "forkserver" in command:
        return "parsers"
    if "spawn_main" in command and process.ppid() == main_pid:
        return "validator"
    return "other"


class Watched:
    """A finished command: `wall` seconds, `peak` memory (bytes: summed RSS, summed PSS and PSS per part),
    its stdout and stderr, and `exit_after_output`: seconds from its last line on stdout to its exit."""

    def __init__(self, wall: float, peak: dict, stdout: str, stderr: str, exit_after_output: float | None):
        self.wall, self.peak, self.stdout, self.stderr = wall, peak, stdout, stderr
        self.exit_after_output = exit_after_output

    def json(self) -> dict:
        """The command's one JSON object: its last line on stdout (`cppcc run --json`)."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def watched(cmd: list[str], env: dict, during=None) -> Watched:
    """Run `cmd`, sampling the memory of its process tree every 0.1 s; `during(proc)` runs meanwhile on
    another thread. A command that fails raises, with the end of its output."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent, out_lines, err_chunks, last_line_at = psutil.Process(proc.pid), [], [], [None]

    def read_stdout():
        for line in proc.stdout:
            out_lines.append(line)
            last_line_at[0] = time.perf_counter()

    readers = [threading.Thread(target=read_stdout), threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))]
    for reader in readers:
        reader.start()
    if during:
        threading.Thread(target=during, args=(proc,), daemon=True).start()
    peak = {"rss": 0, "pss": 0, **{f"pss_{role}": 0 for role in ROLES}}
    while proc.poll() is None:
        try:
            tree = [(role_of(p, proc.pid), p.memory_full_info()) for p in [parent, *parent.children(recursive=True)]]
            now = {"rss": sum(m.rss for _, m in tree), "pss": sum(m.pss for _, m in tree),
                   **{f"pss_{role}": sum(m.pss for r, m in tree if r == role) for role in ROLES}}
            peak = {k: max(peak[k], now[k]) for k in peak}
        except psutil.Error:          # a process of the tree ended while it was read
            pass
        time.sleep(0.1)
    ended = time.perf_counter()
    for reader in readers:
        reader.join()
    stdout, stderr = "".join(out_lines), "".join(err_chunks)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{(stdout + stderr)[-3000:]}")
    tail = ended - last_line_at[0] if last_line_at[0] is not None else None
    return Watched(ended - started, peak, stdout, stderr, tail)


def program(name: str, *args: str) -> dict:
    """Run the bench's program `bench.<name>` in a fresh interpreter; the JSON object it printed last."""
    out = subprocess.run([sys.executable, "-m", f"bench.{name}", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"bench.{name} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def mean_seconds(con, sql: str, n: int = 5) -> float:
    """Mean seconds of a query on an open DuckDB connection, after one run to warm it."""
    con.execute(sql).fetchall()
    started = time.perf_counter()
    for _ in range(n):
        con.execute(sql).fetchall()
    return (time.perf_counter() - started) / n


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return (f"{cpu}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def print_json(figures: dict) -> None:
    """What a program of the bench ends with: its figures, one JSON object on the last line."""
    print(json.dumps(figures), flush=True)
