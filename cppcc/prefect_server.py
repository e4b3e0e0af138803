"""The Prefect server: the long-lived local one (`cppcc prefect-server start|stop|status`, which `make run`
starts in the background, history under the data folder) and throwaway ones for tests and `make ui-check`.

`cppcc run` reports to PREFECT_API_URL when it is set, else to the local server when one is running;
without either, to a throwaway server started for the run (`ThrowawayServer`; its history is lost)."""
from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from flows import FLOW_NAME

from .environment import QUIET_LIBRARIES
from .errors import CppccError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200
STATE_FILE = "server.json"


class PrefectUnavailable(CppccError):
    """The Prefect server the configuration names does not answer."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(home: Path, api_url: str) -> dict[str, str]:
    """The UI must be told the API's address when the port is not Prefect's default 4200."""
    return {**os.environ, **QUIET_LIBRARIES, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "true",
            "PREFECT_UI_API_URL": api_url}


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def wait_healthy(api_url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise PrefectUnavailable(f"prefect server exited with {proc.returncode} before it was healthy")
        if healthy(api_url):
            return
        time.sleep(0.3)
    raise PrefectUnavailable(f"prefect server at {api_url} not healthy after {timeout:.0f} s")


def _spawn(home: Path, host: str, port: int, log_path: Path) -> tuple[subprocess.Popen, str]:
    home.mkdir(parents=True, exist_ok=True)
    api_url = f"http://{host}:{port}/api"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
                                env=server_env(home, api_url), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return proc, api_url


def _stop_group(pid: int, timeout: float = 20.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)


# ---------------------------------------------------------------- the local long-lived server

def _state_path(home: Path) -> Path:
    return home / STATE_FILE


def local_server(home: Path) -> dict | None:
    """{"pid", "api_url"} of the local server started with `cppcc prefect-server start`, if it answers."""
    try:
        state = json.loads(_state_path(home).read_text())
    except (OSError, ValueError):
        return None
    return state if healthy(state.get("api_url", "")) else None


def start_local(home: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> tuple[dict, bool]:
    """Start the local server in the background (or find it running); (state, started now)."""
    running = local_server(home)
    if running:
        return running, False
    proc, api_url = _spawn(home, host, port, home / "server.log")
    try:
        wait_healthy(api_url, proc=proc)
    except PrefectUnavailable:
        _stop_group(proc.pid)
        raise PrefectUnavailable(f"the Prefect server did not start on {host}:{port}: see {home / 'server.log'}") \
            from None
    state = {"pid": proc.pid, "api_url": api_url}
    _state_path(home).write_text(json.dumps(state))
    return state, True


def stop_local(home: Path) -> dict | None:
    """Stop the local server; its state, or None when none was running."""
    try:
        state = json.loads(_state_path(home).read_text())
    except (OSError, ValueError):
        return None
    _stop_group(int(state["pid"]))
    _state_path(home).unlink(missing_ok=True)
    return state


def resolve_api_url(home: Path) -> str | None:
    """The server runs report to: PREFECT_API_URL, else the local server if it runs; None: ephemeral."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        return configured
    running = local_server(home)
    return running["api_url"] if running else None


def require_server(api_url: str | None) -> str:
    """The API URL, checked to answer; PrefectUnavailable (one line saying how to start one) otherwise."""
    if not api_url:
        raise PrefectUnavailable("no Prefect server is configured: start one with `cppcc prefect-server start` "
                                 "(or set PREFECT_API_URL)")
    if not healthy(api_url, timeout=5):
        raise PrefectUnavailable(f"no Prefect server answers at {api_url}: start it with "
                                 f"`cppcc prefect-server start` or fix PREFECT_API_URL")
    return api_url


# ---------------------------------------------------------------- throwaway servers (tests, ui-check)

def latest_flow_run(api_url: str, flow_name: str = FLOW_NAME) -> dict:
    """The newest run of a flow, from the server's REST API."""
    body = json.dumps({"flows": {"name": {"any_": [flow_name]}}, "sort": "EXPECTED_START_TIME_DESC",
                       "limit": 1}).encode()
    request = urllib.request.Request(f"{api_url}/flow_runs/filter", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)[0]


@contextmanager
def running_server(home: Path, log_path: Path | None = None) -> Iterator[str]:
    """A `prefect server start` on 127.0.0.1 at a free port; yields its API URL; stopped with its process group."""
    proc, api_url = _spawn(home, "127.0.0.1", free_port(), log_path or home / "server.log")
    try:
        wait_healthy(api_url, proc=proc)
        yield api_url
    finally:
        _stop_group(proc.pid)
        proc.wait()


_throwaway: list["ThrowawayServer"] = []
stopped_after_exit_handlers = False       # set by `cppcc` (cli.entry), which calls stop_throwaway_servers


def stop_throwaway_servers() -> None:
    for server in _throwaway:
        server.stop()


class ThrowawayServer:
    """A Prefect server for one command, when no server is configured or running: the app Prefect's ephemeral
    mode starts (history in PREFECT_HOME), but started and stopped here, in a session of its own.

    Prefect starts its ephemeral server in the run's process group and stops it from an exit handler, so a
    SIGTERM to the run (or Ctrl-C, which reaches the whole group) stopped the server before the run could
    report how it ended, or left it running when the run was killed with the default handler. This one is
    outside the group, is stopped when the command leaves however it leaves (by `cppcc` once every exit handler
    has run, Prefect's flushing their logs to it among them — an exit handler elsewhere; or by flows/cancel.py
    killing every process the run started), and starts while the run imports Prefect (`start`, then `wait` just
    before the flow)."""

    STARTUP_SECONDS = 60.0

    def __init__(self, on_start: Callable[[str], None] | None = None):
        self.port = free_port()
        self.api_url = f"http://{DEFAULT_HOST}:{self.port}/api"
        self.proc: subprocess.Popen | None = None
        self._on_start = on_start
        self._log = None

    def start(self) -> None:
        """Start it (once); `on_start(address)` is told."""
        if self.proc is not None:
            return
        self._log = tempfile.TemporaryFile()
        self.proc = self._spawn(self.port)
        _throwaway.append(self)
        if not stopped_after_exit_handlers:
            atexit.register(self.stop)
        if self._on_start:
            self._on_start(self.address)

    def _spawn(self, port: int) -> subprocess.Popen:
        env = {**os.environ, **QUIET_LIBRARIES, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        return subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
                                 "--host", DEFAULT_HOST, "--port", str(port), "--log-level", "error", "--lifespan", "on"],
                                env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    @property
    def address(self) -> str:
        return self.api_url.removesuffix("/api")

    def wait(self, stop: Callable[[], None] | None = None) -> None:
        """Start it if need be, and wait until it answers; `stop()` is called between tries (a run asked to stop
        raises there)."""
        self.start()
        deadline = time.monotonic() + self.STARTUP_SECONDS
        while not healthy(self.api_url, timeout=1):
            if stop is not None:
                stop()
            if self.proc.poll() is not None:
                self._log.seek(0)
                said = self._log.read().decode(errors="replace").strip().splitlines()
                raise PrefectUnavailable(f"the throwaway Prefect server exited with {self.proc.returncode}"
                                         + (f": {said[-1]}" if said else ""))
            if time.monotonic() > deadline:
                raise PrefectUnavailable(f"the throwaway Prefect server at {self.address} did not answer within "
                                         f"{self.STARTUP_SECONDS:.0f} s: start one with `cppcc prefect-server start`")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
