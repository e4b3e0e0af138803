"""SIGTERM and SIGINT during a run (what `systemctl stop` and Ctrl-C send): the run stops within seconds,
is recorded as Cancelled, and leaves no process behind.

The handler only takes note. It raises nothing at whatever line the main thread happens to be on: an
exception raised there (as Prefect's own SIGTERM handler does, and Python's KeyboardInterrupt) can land
inside a lock's critical section, and the process then deadlocks on its way out. Instead:

- a canceller thread stops what the main thread may be waiting for: the parsing processes and the
  validator (`on_cancel` actions, registered by flows/workers.py), so those waits end at once;
- the flow stops at its next checkpoint (`check`: before each batch's validation and commit, before
  housekeeping, before it finishes; in-process parsing before each page; the lock wait; the start of a
  throwaway Prefect server): a commit under way completes (it is atomic), no further batch starts, and the
  flow records the run as Cancelled (its `runs` row, its Prefect flow run) and returns;
- should the process still be there GRACE_SECONDS after the signal (a Prefect server that stopped
  answering, a long statement), or at a second signal, it leaves at once: every process it started is
  killed, one line is said, exit 1.

`install` is called by the commands that run the flow (`run`, `reprocess`, `retry`), never by `cppcc serve`,
whose flow runs are Prefect's to stop. In a process where it was not called, `check` never raises."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

from cppcc.errors import CppccError

GRACE_SECONDS = 10.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunCancelled(CppccError):
    """The run was asked to stop (SIGTERM or SIGINT); the message is the reason, e.g. `received SIGTERM`."""


_signal: int | None = None
_signalled_at = 0.0
_installed = False
_requested = threading.Event()
_actions: list[Callable[[], None]] = []


def install(grace_seconds: float = GRACE_SECONDS) -> None:
    """Take over SIGTERM and SIGINT in this process (from its main thread; elsewhere it does nothing)."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)
    threading.Thread(target=_canceller, args=(grace_seconds,), name="cppcc-cancel", daemon=True).start()
    _installed = True


def installed() -> bool:
    return _installed


def requested() -> bool:
    """Has this process been asked to stop?"""
    return _signal is not None


def reason() -> str:
    return f"received {signal.Signals(_signal).name}" if _signal is not None else ""


def check() -> None:
    """A checkpoint: RunCancelled once a stop was asked for."""
    if _signal is not None:
        raise RunCancelled(reason())


def on_cancel(action: Callable[[], None]) -> None:
    """Run `action` (in the canceller thread) when a stop is asked for: it must be quick and not raise."""
    if action not in _actions:
        _actions.append(action)


def _on_signal(signum, frame) -> None:
    global _signal, _signalled_at
    if _signal is not None:
        _leave_now(f"run cancelled: {reason()}, then {signal.Signals(signum).name}: stopped at once")
    _signal, _signalled_at = signum, time.monotonic()
    _requested.set()


def _canceller(grace_seconds: float) -> None:
    _requested.wait()
    for action in list(_actions):
        try:
            action()
        except Exception:       # one helper failing to stop must not keep the others running
            pass
    remaining = grace_seconds - (time.monotonic() - _signalled_at)
    time.sleep(max(remaining, 0))
    _leave_now(f"run cancelled: {reason()}; it did not stop within {grace_seconds:g} s, so it was stopped at once")


def _leave_now(line: str) -> None:
    """Kill every process this one started, say `line`, exit 1 — from any thread, holding no lock."""
    sweep()
    try:
        os.write(2, f"Error: {line}\n".encode())
    except OSError:
        pass
    os._exit(1)


# ---------------------------------------------------------------- processes

@contextmanager
def ignoring_interrupts():
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



def descendants(pid: int | None = None) -> list[int]:
    """The processes `pid` (this one) started, and theirs, from /proc."""
    root = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue                         # gone meanwhile
        children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            found.append(child)
            stack.append(child)
    return found


def sweep() -> None:
    """SIGKILL every process this one started and theirs (the tree is read first: a parent killed first
    would leave its children to init)."""
    for _ in range(3):                       # a process may have started another meanwhile
        pids = descendants()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


# ---------------------------------------------------------------- Prefect

class _NoTracebackOnceCancelled(logging.Filter):
    """Once a stop was asked for, a task that fails because its helper process was stopped is said in one line:
    Prefect's log records lose their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _signal is not None and record.exc_info:
            record.exc_info, record.exc_text = None, None
        return True


def take_over_from_prefect() -> None:
    """Prefect's flow engine swaps in its own SIGTERM handler for the flow run, one that raises wherever the
    main thread is and then kills the process with the default handler (leaving the helper processes, the
    throwaway server and no `runs` row). Where `install` was called, the flow run keeps ours; and Prefect's
    log records carry no traceback once the run is cancelled. Call after Prefect is imported."""
    if not _installed:
        return
    from contextlib import nullcontext

    import prefect.flow_engine as engine

    engine.capture_sigterm = nullcontext
    quiet = _NoTracebackOnceCancelled()
    loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                        if isinstance(lg, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            handler.addFilter(quiet)


def cancelled_state(run_id: str):
    """The flow's final state when it was cancelled: the Prefect flow run ends Cancelled with this message."""
    from prefect.states import Cancelled

    return Cancelled(message=f"{run_id} cancelled: {reason()}")

