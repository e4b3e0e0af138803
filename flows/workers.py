"""The processes a run uses besides its own: parsing processes, and one for Great Expectations.

Both are started as soon as `cppcc run` knows it has work, so that loading the parser (jieba's
dictionary) and importing GX — seconds each — happen on the other core while this process imports
Prefect and plans; afterwards parsing, validation and the commits of successive batches overlap.

Parsing processes come from a forkserver that has the parser loaded: forking a process that already runs
Prefect's threads and polars' thread pool would copy their locks, and a child can hang on them. The
validator is flows/validator.py's (a fresh interpreter, or the one `cppcc serve` keeps warm).

Both ignore SIGINT (Ctrl-C reaches the whole foreground process group): a run asked to stop kills them
itself (`interrupt`, flows/cancel.py), which ends at once whatever the flow was waiting for from them."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from . import cancel, validator

PARSER_MODULE = "flows.parse_worker"


def _forkserver():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([PARSER_MODULE])
    return ctx


def warm_parsers() -> None:
    """Start the forkserver now, loading the parser in it."""
    from multiprocessing import forkserver

    _forkserver()
    with cancel.ignoring_interrupts():
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


def interrupt() -> None:
    """A stop was asked for (flows/cancel.py, from its thread): kill the parsing processes and the validator, so
    that the flow's wait for them fails now rather than after the batch."""
    processes = dict(getattr(_pool, "_processes", None) or {})       # pid -> Process, while the pool runs
    for process in processes.values():
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    validator.interrupt()


cancel.on_cancel(interrupt)


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
    validator.close()
    tracker = resource_tracker._resource_tracker
    if tracker._pid is None:  # not this process's: a run `cppcc serve` started shares the server's tracker
        tracker = None
    for helper in (forkserver._forkserver, tracker):
        try:
            if helper is not None:
                helper._stop()
        except OSError:       # already gone
            pass


def start_early(workers: int) -> None:
    """Start the validator and (with more than one worker) the parsing forkserver now; a run of `cppcc serve`
    connects to its warm validator, which has the parser loaded for a night's batch."""
    if not validator.validator().warm and workers > 1:
        warm_parsers()
