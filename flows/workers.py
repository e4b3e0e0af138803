"""The processes a run uses besides its own: parsing processes, and one for Great Expectations.

Both are started as soon as `cppcc run` knows it has work, so that loading the parser (jieba's
dictionary) and importing GX — seconds each — happen on the other core while this process imports
Prefect and plans; afterwards parsing, validation and the commits of successive batches overlap.

Parsing processes come from a forkserver that has the parser loaded: forking a process that already runs
Prefect's threads and polars' thread pool would copy their locks, and a child can hang on them. The
validator is spawned (a fresh interpreter); frames go to it as Arrow IPC bytes.

Both ignore SIGINT (Ctrl-C reaches the whole foreground process group): a run asked to stop kills them
itself (`interrupt`, flows/cancel.py), which ends at once whatever the flow was waiting for from them."""
from __future__ import annotations

import atexit
import io
import os
import multiprocessing
import multiprocessing.connection
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

import polars as pl

from . import cancel

PARSER_MODULE = "flows.parse_worker"


def _forkserver():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([PARSER_MODULE])
    return ctx


def warm_parsers() -> None:
    """Start the forkserver now, loading the parser in it."""
    from multiprocessing import forkserver

    _forkserver()
    with _ignoring_interrupts():
        forkserver.ensure_running()


_pool: ProcessPoolExecutor | None = None


@contextmanager
def parsing_pool(workers: int):
    """Processes that parse: `pool.map(parse_chunk, chunks, …)` returns the chunks' results, in order."""
    global _pool
    cancel.check()
    warm_parsers()        # here, in the main thread: the pool's workers are forked from it
    with ProcessPoolExecutor(workers, mp_context=_forkserver()) as pool:
        _pool = pool
        try:
            yield _Pool(pool)
        finally:
            _pool = None


class _Pool:
    """The executor, whose `map` says RunCancelled when it failed because the run was asked to stop (its
    processes killed, the pool shut down) rather than how it failed."""

    def __init__(self, executor: ProcessPoolExecutor):
        self._executor = executor

    def map(self, fn, *iterables) -> list:
        try:
            return list(self._executor.map(fn, *iterables))
        except (BrokenProcessPool, RuntimeError):
            cancel.check()
            raise


@contextmanager
def _ignoring_interrupts():
    """Processes started inside ignore SIGINT from their first instruction (an ignored signal stays ignored
    across exec, and Python then installs no KeyboardInterrupt handler; the forkserver's children inherit it),
    so Ctrl-C prints no traceback from them. The moment of the start, this process ignores it too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupt() -> None:
    """A stop was asked for (flows/cancel.py, from its thread): kill the parsing processes and the validator, so
    that the flow's wait for them fails now rather than after the batch."""
    processes = dict(getattr(_pool, "_processes", None) or {})       # pid -> Process, while the pool runs
    for process in processes.values():
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    validator_ = _validator
    if validator_ is not None:      # SIGTERM first: it unlinks the semaphores GX made before it leaves
        process = validator_._process
        try:
            process.terminate()
            process.join(timeout=1)
            if process.is_alive():
                process.kill()
        except (OSError, ValueError, AttributeError, AssertionError):
            pass


cancel.on_cancel(interrupt)


class Validator:
    """Great Expectations in a process of its own."""

    def __init__(self):
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child,), name="cppcc-validator", daemon=True)
        with _ignoring_interrupts():
            self._process.start()
        child.close()

    def validate(self, frames: dict[str, pl.DataFrame], taken: dict[str, list[str]]) -> dict[str, list[str]]:
        """What `expectations.validate_batch` returns, computed in the validator process (which is sent only
        the columns the checks read)."""
        from expectations import checked_frames

        self._conn.send(({table: _to_ipc(frame) for table, frame in checked_frames(frames).items()}, taken))
        kind, answer = self._conn.recv()
        if kind == "error":
            raise RuntimeError(f"validation failed: {answer}")
        return answer

    def build_docs(self, folder, run_name: str) -> str | None:
        """Data Docs of the results it validated since the last call (expectations/datadocs.py); the index page."""
        self._conn.send(("docs", str(folder), run_name))
        kind, answer = self._conn.recv()
        if kind == "error":
            raise RuntimeError(f"Data Docs failed: {answer}")
        return answer

    def close(self) -> None:
        """Stop it: it releases what it registered and leaves at once (a full interpreter exit after GX
        takes most of a second)."""
        if self._process.is_alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._process.join(timeout=2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


_validator: Validator | None = None


def validator() -> Validator:
    """The run's validator process, started on first use (or early, by `start_early`); runs stop it at their
    end, so a long-lived `cppcc serve` starts one per run."""
    global _validator
    cancel.check()           # no helper is started for a run asked to stop
    if _validator is None:
        atexit.register(_close_validator)          # once per process, not once per validator
    if _validator is None or not _validator._process.is_alive():
        _validator = Validator()
    return _validator


def _close_validator() -> None:
    if _validator is not None:
        _validator.close()


def build_docs(folder, run_name: str) -> str | None:
    """The run's Data Docs, built by its validator process (None when it validated nothing)."""
    if _validator is None or not _validator._process.is_alive():
        return None
    return _validator.build_docs(folder, run_name)


def stop_helpers(at_exit: bool = False) -> None:
    """Stop the validator, the forkserver and multiprocessing's resource tracker, and wait for them: a
    command that leaves without tearing itself down must not leave them behind even for a moment.

    `at_exit` (the command is leaving): first release the semaphores this process still holds, as
    multiprocessing's exit handler would, but before the tracker stops. A cancelled run still holds its
    parsing pool's (a failed task's traceback keeps it): stopped first, the tracker would warn of them as
    leaked and unlink them, and the exit handler would then fail to."""
    from multiprocessing import forkserver, resource_tracker, util

    if at_exit:
        util._run_finalizers(0)
    _close_validator()
    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):
        try:
            helper._stop()
        except OSError:       # already gone
            pass


def start_early(workers: int) -> None:
    """Start the validator and (with more than one worker) the parsing forkserver now."""
    validator()
    if workers > 1:
        warm_parsers()


def _to_ipc(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


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


def _serve(conn: multiprocessing.connection.Connection) -> None:
    """The validator's loop: import GX once, then validate each batch it is sent."""
    from pathlib import Path

    import expectations

    signal.signal(signal.SIGTERM, lambda *_: _leave())     # the run stopping it (or a SIGTERM to its group)
    expectations.warm_up()
    expectations.keep_results_for_docs()
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            _leave()
        if message[0] == "docs":
            try:
                index = expectations.build_docs(Path(message[1]), message[2])
                conn.send(("ok", str(index) if index else None))
            except Exception as exc:        # Data Docs are not worth failing a run for: the flow logs it
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        tables, taken = message
        try:
            frames = {table: pl.read_ipc(io.BytesIO(data)) for table, data in tables.items()}
            conn.send(("ok", expectations.validate_checked(frames, taken)))
        except Exception as exc:        # report it; the flow records the run as failed
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
