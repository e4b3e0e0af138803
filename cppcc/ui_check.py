"""`make ui-check`: start a Prefect server, run the flow against it, and screenshot the flow-runs page
in headless Chromium; fails unless the run's name is on the rendered page. The PNG goes to data/."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .generate import write_pages
from .prefect_server import latest_flow_run, running_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                  "--window-size=1440,900", "--virtual-time-budget=20000"]


def chromium(url: str, profile: Path, *args: str) -> str:
    result = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr[-500:]}")
    return result.stdout


def ui_check(data_dir: Path) -> Path:
    """Returns the screenshot's path; raises if the run's name is not on the flow-runs page."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (or set CHROMIUM)")
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, running_server(Path(scratch) / "prefect") as api_url:
        inbox = Path(scratch) / "inbox"
        write_pages(inbox, 5, seed=2)
        env = {**os.environ, "PREFECT_API_URL": api_url, "CPPCC_SETTLE_SECONDS": "0", "CPPCC_DATA": scratch,
               "CPPCC_INBOX": str(inbox)}
        subprocess.run([sys.executable, "-m", "cppcc.cli", "run"], env=env, check=True, capture_output=True)
        run_name = latest_flow_run(api_url)["name"]
        page = api_url.removesuffix("/api") + "/runs"
        profile = Path(scratch) / "chromium"
        screenshot = (data_dir / "ui-check-flow-runs.png").resolve()
        chromium(page, profile, f"--screenshot={screenshot}")
        dom = chromium(page, profile, "--dump-dom")
    if run_name not in dom:
        raise RuntimeError(f"flow run {run_name!r} is not on {page} (screenshot: {screenshot})")
    print(f"flow run {run_name!r} is on the flow-runs page; screenshot: {screenshot}")
    return screenshot


if __name__ == "__main__":
    ui_check(Path(sys.argv[1] if len(sys.argv) > 1 else "data"))
