"""`cppcc explore`: the warehouse in the browser, for analysts who do not write SQL (a Streamlit app, app.py),
and the run's Great Expectations Data Docs served beside it. Both bind 127.0.0.1 unless told otherwise; the
app reads only through the sandboxed reader, and nothing it serves asks for anything off this machine."""
from __future__ import annotations

import functools
import json
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

APP = Path(__file__).with_name("app.py")
# Streamlit's own options: no usage statistics, no file watching, no browser opened, no toolbar menu.
STREAMLIT_OPTIONS = {"server.headless": "true", "browser.gatherUsageStats": "false", "server.fileWatcherType": "none",
                     "server.runOnSave": "false", "global.developmentMode": "false", "client.toolbarMode": "viewer",
                     "client.showErrorDetails": "none", "theme.base": "light"}


def streamlit_command(config: dict, host: str, port: int) -> list[str]:
    options = [f"--{k}={v}" for k, v in {**STREAMLIT_OPTIONS, "server.address": host, "server.port": port}.items()]
    return [sys.executable, "-m", "streamlit", "run", str(APP), *options, "--", json.dumps(config)]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):     # noqa: A002 — the signature is http.server's
        pass


@contextmanager
def static_server(folder: Path, host: str, port: int) -> Iterator[int]:
    """Serve `folder` read-only (GET and HEAD) on host:port (0: a free port) in a thread; yields the port."""
    folder.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer((host, port), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="data-docs", daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running(settings, host: str = "127.0.0.1", port: int = 8501, docs_port: int = 0) -> Iterator[tuple[subprocess.Popen, str, str]]:
    """The app and the Data Docs server, started; yields (the Streamlit process, the app's URL, the docs' URL)."""
    from expectations.datadocs import docs_folder

    with static_server(docs_folder(settings), host, docs_port) as served:
        config = {"settings": json.loads(settings.resolved().model_dump_json()), "docs_port": served}
        proc = subprocess.Popen(streamlit_command(config, host, port), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            yield proc, f"http://{host}:{port}", f"http://{host}:{served}/index.html"
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def serve(settings, host: str, port: int, docs_port: int = 0) -> int:
    """`cppcc explore`: run until interrupted; the exit code."""
    from warehouse.connection import require_warehouse

    require_warehouse(settings.lake)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))      # `kill`: stop the app too (the finally below)
    with running(settings, host, port, docs_port) as (proc, url, docs):
        print(f"cppcc explore at {url} (Data Docs at {docs}); stop it with Ctrl-C", flush=True)
        try:
            for line in proc.stdout:          # Streamlit's own messages, minus its banner
                if line.strip() and "You can now view" not in line and "URL:" not in line:
                    print(line, end="", flush=True)
            return proc.wait()
        except KeyboardInterrupt:
            return 0
