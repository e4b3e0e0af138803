"""Start and stop a real Prefect server for tests and `make ui-check` (the long-lived one is `cppcc server`)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(home: Path, api_url: str) -> dict[str, str]:
    """The UI must be told the API's address when the port is not Prefect's default 4200."""
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "true", "PREFECT_UI_API_URL": api_url}


def wait_healthy(api_url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"prefect server at {api_url} not healthy after {timeout:.0f} s")


def latest_flow_run(api_url: str, flow_name: str = "nightly-ingest") -> dict:
    """The newest run of a flow, from the server's REST API."""
    body = json.dumps({"flows": {"name": {"any_": [flow_name]}}, "sort": "EXPECTED_START_TIME_DESC",
                       "limit": 1}).encode()
    request = urllib.request.Request(f"{api_url}/flow_runs/filter", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)[0]


@contextmanager
def running_server(home: Path, log_path: Path | None = None) -> Iterator[str]:
    """A `prefect server start` on 127.0.0.1 at a free port; yields its API URL; stopped by its PID."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = open(log_path or home / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=server_env(home, api_url), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_healthy(api_url, proc=proc)
        yield api_url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
