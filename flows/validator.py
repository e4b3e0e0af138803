"""Great Expectations in a process of its own: the run's own, or the one `cppcc serve` keeps warm for its runs.

GX's import with the suites built costs seconds (bench/results.md, the start-up table), more than checking a
thousand pages. A run from the command line starts its own validator as soon as it has work, so the import
happens on the other core while the run imports Prefect. The runs `cppcc serve` starts each begin in a fresh
interpreter and would pay the import every night; so `serve` keeps one validator loaded (`WarmValidator`) and its
runs reach it over a Unix socket named in WARM_ENV. A run uses it when it answers and starts its own when it
does not. The warm validator serves one run at a time (runs take the run lock anyway): a second one waits.
It has the parser loaded as well, and parses a night that fits in one batch (`WarmParsing`): a served run then
loads neither GX nor the parser (a run with more batches parses on its own parsing processes).

Frames go to a validator as Arrow IPC bytes; it answers with the pages whose rows fail (`validate`) and builds
the Data Docs of what it validated for the run (`build_docs`)."""
from __future__ import annotations

import atexit
import io
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path

import polars as pl

import expectations

from . import cancel

WARM_ENV = "CPPCC_WARM_VALIDATOR"      # the socket of `cppcc serve`'s warm validator, in the environment of its runs


class Validator:
    """A connection to a validator process: the run's own (`start`) or the warm one (`connect`)."""

    def __init__(self, conn: multiprocessing.connection.Connection, process=None):
        self._conn, self._process = conn, process

    @classmethod
    def start(cls) -> Validator:
        """A validator process of the run's own."""
        ctx = multiprocessing.get_context("spawn")
        conn, child = ctx.Pipe()
        process = ctx.Process(target=_serve_one_run, args=(child,), name="cppcc-validator", daemon=True)
        with cancel.ignoring_interrupts():
            process.start()
        child.close()
        return cls(conn, process)

    @classmethod
    def connect(cls) -> Validator | None:
        """The warm validator of `cppcc serve`, if this run was started by one and it answers."""
        address = os.environ.get(WARM_ENV)
        if not address:
            return None
        try:      # the key is the serving process's, which Prefect's spawned run process inherits
            return cls(multiprocessing.connection.Client(address, "AF_UNIX",
                                                         authkey=multiprocessing.current_process().authkey))
        except (OSError, EOFError, multiprocessing.AuthenticationError):
            return None

    @property
    def warm(self) -> bool:
        return self._process is None

    def alive(self) -> bool:
        return not self._conn.closed if self.warm else self._process.is_alive()

    def validate(self, frames: dict[str, pl.DataFrame], taken: dict[str, list[str]]) -> dict[str, list[str]]:
        """What `expectations.validate_batch` returns, computed in the validator process (which is sent only
        the columns the checks read)."""
        return self._ask(({t: _to_ipc(frame) for t, frame in expectations.checked_frames(frames).items()}, taken),
                         "validation failed")

    def call(self, fn, *args):
        """fn(*args) in the warm validator's process, where the parser is loaded (`WarmParsing`)."""
        return self._ask(("call", fn, args), f"{getattr(fn, '__name__', fn)} failed")

    def build_docs(self, folder, run_name: str) -> str | None:
        """Data Docs of the results it validated since the last call (expectations/datadocs.py); the index page."""
        return self._ask(("docs", str(folder), run_name), "Data Docs failed")

    def _ask(self, message, failure: str):
        try:
            self._conn.send(message)
            kind, answer = self._conn.recv()
        except (OSError, EOFError) as exc:
            cancel.check()         # it was stopped because the run was asked to stop
            raise RuntimeError(f"{failure}: the validator process is gone ({type(exc).__name__})") from None
        if kind == "error":
            raise RuntimeError(f"{failure}: {answer}")
        return answer

    def close(self) -> None:
        """The run is done with it: its own leaves at once (a full interpreter exit after GX takes most of a
        second); the warm one goes back to waiting for the next run."""
        if self.alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
        if self.warm:
            self._conn.close()
            return
        self._process.join(timeout=2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def interrupt(self) -> None:
        """A stop was asked for (from the canceller's thread): end the flow's wait for an answer now. The run's
        own is stopped (SIGTERM first: it unlinks the semaphores GX made before it leaves); the warm one's
        connection is shut, and it goes back to waiting for the next run."""
        try:
            if self.warm:
                shut = socket.socket(fileno=self._conn.fileno())
                try:
                    shut.shutdown(socket.SHUT_RDWR)
                finally:
                    shut.detach()
                return
            self._process.terminate()
            self._process.join(timeout=1)
            if self._process.is_alive():
                self._process.kill()
        except (OSError, ValueError, AttributeError, AssertionError):
            pass


_validator: Validator | None = None


def validator() -> Validator:
    """The run's validator, connected on first use (or early, by `workers.start_early`): the warm one where
    there is one, else a process of the run's own. Runs close it at their end."""
    global _validator
    cancel.check()           # no helper is started for a run asked to stop
    if _validator is None:
        atexit.register(close)          # once per process, not once per validator
    if _validator is None or not _validator.alive():
        _validator = Validator.connect() or Validator.start()
    return _validator


def warm() -> bool:
    """Did this run validate with `cppcc serve`'s warm validator?"""
    return _validator is not None and _validator.warm


class WarmParsing:
    """Parsing in the warm validator's process, with the interface of the parsing pool (`map`)."""

    def map(self, fn, *iterables) -> list:
        return [validator().call(fn, *args) for args in zip(*iterables)]


def close() -> None:
    if _validator is not None:
        _validator.close()


def interrupt() -> None:
    if _validator is not None:
        _validator.interrupt()


def build_docs(folder, run_name: str) -> str | None:
    """The run's Data Docs, built by its validator (None when it validated nothing)."""
    if _validator is None or not _validator.alive():
        return None
    return _validator.build_docs(folder, run_name)


# ---------------------------------------------------------------- the validator processes

def _serve_one_run(conn: multiprocessing.connection.Connection) -> None:
    """A run's own validator: import GX once, validate what the run sends, leave when it is done."""
    signal.signal(signal.SIGTERM, lambda *_: _leave())     # the run stopping it (or a SIGTERM to its group)
    expectations.warm_up()
    _serve_run(conn)
    _leave()


def _serve_runs(address: str) -> None:
    """`cppcc serve`'s warm validator: GX imported once, then one run after another over the socket (listening
    first, so that a run arriving while GX loads waits for it rather than starting its own)."""
    signal.signal(signal.SIGTERM, lambda *_: _leave())     # `serve` stopping it, or a SIGTERM to its group
    signal.signal(signal.SIGINT, signal.SIG_IGN)           # Ctrl-C reaches `serve`, which stops it
    with multiprocessing.connection.Listener(address, "AF_UNIX",
                                             authkey=multiprocessing.current_process().authkey) as listener:
        expectations.warm_up()
        _rehearse()
        while True:
            try:
                conn = listener.accept()
            except (OSError, EOFError, multiprocessing.AuthenticationError):
                continue           # a caller that left half-way, or not one of `serve`'s runs
            with conn:
                _serve_run(conn)


def _rehearse() -> None:
    """Load the parser (for `WarmParsing`) and take one generated page through parsing and the suites, so the
    first night pays none of the first call's costs (jieba's and GX's caches, polars' and pandas' first use)."""
    from cppcc.generate import generate_page

    from .parsed import parse_to_frames
    from .sources import SourcePage, sha256_of

    raw = generate_page(0).text.encode()
    parsed = parse_to_frames([SourcePage("rehearsal.txt", sha256_of(raw), raw=raw)], len(raw))
    expectations.validate_checked(expectations.checked_frames(parsed.frames.tables), {})


def _serve_run(conn: multiprocessing.connection.Connection) -> None:
    """One run's requests, until it says it is done (None) or its end of the connection closes."""
    expectations.keep_results_for_docs()         # Data Docs of this run's results only
    while True:
        try:
            message = conn.recv()
            if message is None:
                return
            conn.send(_answer(message))
        except (OSError, EOFError):              # the run is gone (stopped, or killed)
            return


def _answer(message) -> tuple[str, object]:
    if message[0] == "call":            # parsing a night (`WarmParsing`); a page's own failure is in its outcome
        try:
            return "ok", message[1](*message[2])
        except Exception as exc:
            return "error", f"{type(exc).__name__}: {exc}"
    if message[0] == "docs":
        try:
            index = expectations.build_docs(Path(message[1]), message[2])
            return "ok", str(index) if index else None
        except Exception as exc:        # Data Docs are not worth failing a run for: the flow logs it
            return "error", f"{type(exc).__name__}: {exc}"
    tables, taken = message
    try:
        frames = {table: pl.read_ipc(io.BytesIO(data)) for table, data in tables.items()}
        return "ok", expectations.validate_checked(frames, taken)
    except Exception as exc:        # report it; the flow records the run as failed
        return "error", f"{type(exc).__name__}: {exc}"


def _leave() -> None:
    """Run multiprocessing's finalizers (they unlink the semaphores GX made) and exit without the slow
    teardown of every module. A second SIGTERM meanwhile (the group's, then the run's own) is ignored: leaving
    again from inside the first leave would skip the unregistering of a semaphore already unlinked, and the
    resource tracker would then warn on the user's terminal that it could not unlink it."""
    from multiprocessing import util

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    util._run_finalizers(0)
    util._run_finalizers()
    os._exit(0)


def _to_ipc(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- kept warm by `cppcc serve`

class WarmValidator:
    """`cppcc serve`'s validator, started when made and stopped with `stop`."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cppcc-validator-"))     # mode 0700: this user's runs only
        self.address = str(self.folder / "socket")
        ctx = multiprocessing.get_context("spawn")
        self.process = ctx.Process(target=_serve_runs, args=(self.address,), name="cppcc-warm-validator",
                                   daemon=True)
        with cancel.ignoring_interrupts():
            self.process.start()
        os.environ[WARM_ENV] = self.address       # the runs Prefect's runner starts inherit it

    def stop(self) -> None:
        os.environ.pop(WARM_ENV, None)
        self.process.terminate()
        self.process.join(timeout=3)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)
