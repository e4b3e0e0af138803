"""One run at a time per warehouse: an advisory lock file beside its catalog (or in its data folder when
the catalog is PostgreSQL)."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from cppcc.errors import CppccError

from .cancel import check as check_cancelled


class RunLocked(CppccError):
    """Another `cppcc run` holds the warehouse."""


class RunFailed(CppccError):
    """A run failed (or was skipped); the message is the one-line reason recorded in `runs` and on the
    Prefect run."""


def lock_path(settings) -> Path:
    if settings.catalog_path is not None:
        return Path(str(settings.catalog_path) + ".lock")
    return Path(settings.data_files) / ".cppcc-run.lock"


@contextmanager
def run_lock(path: Path, wait_seconds: float = 0.0, on_wait=None):
    """Hold the lock file `path` for the block; `on_wait(holder_pid)` is called once if another run has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            check_cancelled()              # a run asked to stop takes (or waits for) the lock no longer
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunLocked(f"another run (pid {_holder(path)}) holds {path}; nothing done: "
                                    f"try again later or pass a longer --wait") from None
                if on_wait:
                    on_wait(_holder(path))
                    on_wait = None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def _holder(path: Path) -> str:
    """The PID the lock's holder wrote into the lock file."""
    return path.read_text().strip() or "?"
