"""A time budget for parsing one page (`CPPCC_PARSE_BUDGET_SECONDS`): past it, OverBudget is raised inside
the parse, and the page is quarantined (stage `parse`) while the rest of its batch loads.

The budget is CPU time, not wall time: parsing is pure computation, and on a busy machine (the nightly run
shares it) a large page can wait for a core several times as long as it computes; a wall-clock budget would
set aside good pages on a bad night. Where the page is parsed decides how:

- in a process's main thread (a parsing process, or a test): SIGPROF from `setitimer(ITIMER_PROF)`, the
  process's CPU time. Its handler runs at the parser's next Python instruction, or in the middle of a
  regular expression's match (`re` checks for signals as it matches);
- in any other thread (in-process parsing on a Prefect worker thread with CPPCC_WORKERS=1, a Dask
  worker's task thread): one watcher thread per process reads the parsing thread's own CPU clock and raises
  the exception in it (`PyThreadState_SetAsyncExc`), which takes effect at its next Python instruction.

No parse runs unbounded either way: the transforms' patterns are linear, so the longest single step of a
page is short (tests/test_hostile_pages.py)."""
from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator


class OverBudget(BaseException):
    """Raised inside a parse that took longer than its budget. A BaseException, so that no `except Exception`
    in the parser swallows it."""


def over_budget_reason(seconds: float) -> str:
    return f"took longer than {seconds:g} s"


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """The block raises OverBudget once it has run `seconds` (None or 0: no budget)."""
    if not seconds:
        yield
    elif _alarm_is_free():
        with _alarm(seconds):
            yield
    else:
        with _watched(seconds):
            yield


# ---------------------------------------------------------------- the main thread: SIGPROF

def _alarm_is_free() -> bool:
    """The main thread, with SIGPROF neither handled by someone else (a profiler) nor a timer of theirs running."""
    return (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, _on_alarm)
            and signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0))


def _on_alarm(signum, frame):
    raise OverBudget


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """(Should OverBudget arrive as the block ends, the handler may stay installed: harmless, as no timer is left.)"""
    previous = signal.signal(signal.SIGPROF, _on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_PROF, 0)
        finally:
            signal.signal(signal.SIGPROF, previous)


# ---------------------------------------------------------------- other threads: an asynchronous exception

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.c_void_p)
_set_async_exc.restype = ctypes.c_int


class _Armed:
    """One budgeted block. `lock` is its own: should the exception arrive while the parsing thread holds it,
    only this block's lock is lost, never one the watcher needs."""
    __slots__ = ("thread_id", "clock", "deadline", "lock", "done", "fired")

    def __init__(self, seconds: float):
        self.thread_id = threading.get_ident()
        self.clock = time.pthread_getcpuclockid(self.thread_id)       # this thread's CPU time
        self.deadline = time.clock_gettime(self.clock) + seconds
        self.lock = threading.Lock()
        self.done = self.fired = False

    def left(self) -> float:
        """CPU seconds left; as a thread's CPU time grows no faster than the wall clock, also the wall time
        before which it cannot run out."""
        try:
            return self.deadline - time.clock_gettime(self.clock)
        except OSError:          # the thread has ended
            return float("inf")


class _Watcher:
    """A daemon thread that raises OverBudget in threads whose block used up its CPU time."""

    def __init__(self):
        self.pid = os.getpid()
        self.cond = threading.Condition()
        self.armed: set[_Armed] = set()
        threading.Thread(target=self._run, name="cppcc-parse-budget", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.armed:
                    self.cond.wait()
                left = {armed: armed.left() for armed in self.armed}
                first = min(left, key=left.get)
                if left[first] > 0:
                    self.cond.wait(min(left[first], 60.0) + 0.001)
                    continue
                self.armed.discard(first)
            if first.lock.acquire(blocking=False):     # else the block is ending this very moment
                try:
                    if not first.done:
                        first.fired = True
                        _set_async_exc(first.thread_id, id(OverBudget))
                finally:
                    first.lock.release()

    def arm(self, seconds: float) -> _Armed:
        armed = _Armed(seconds)
        with self.cond:
            self.armed.add(armed)
            self.cond.notify()
        return armed

    def disarm(self, armed: _Armed) -> None:
        """End the block; OverBudget if it fired (an exception it raised but that has not arrived yet is
        withdrawn first, so none arrives later, elsewhere)."""
        with armed.lock:
            armed.done = True
            fired = armed.fired
        if fired:
            _set_async_exc(armed.thread_id, None)
            raise OverBudget
        with self.cond:           # not fired, and now it never will: no exception can arrive while holding this
            self.armed.discard(armed)


_watcher: _Watcher | None = None
_watcher_lock = threading.Lock()


def _the_watcher() -> _Watcher:
    global _watcher
    with _watcher_lock:
        if _watcher is None or _watcher.pid != os.getpid():     # a forked process has no thread of its parent
            _watcher = _Watcher()
        return _watcher


@contextmanager
def _watched(seconds: float) -> Iterator[None]:
    watcher = _the_watcher()
    armed = watcher.arm(seconds)
    try:
        yield
    finally:
        watcher.disarm(armed)
