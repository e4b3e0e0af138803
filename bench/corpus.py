"""The bench's corpora: pages the project generates itself (`cppcc generate`), kept in the work folder; and
a corpus made into batches of frames by the project's own path (the plan, the parsing, the frames)."""
from __future__ import annotations

import shutil
from pathlib import Path

SEED = 2026


def corpus(work: Path, size: int, seed: int = SEED) -> Path:
    """A folder of `size` generated pages (made once per size and seed)."""
    from cppcc.generate import write_pages

    folder = work / f"corpus-{size}-{seed}"
    if not folder.is_dir() or len(list(folder.iterdir())) != size:
        shutil.rmtree(folder, ignore_errors=True)
        write_pages(folder, size, seed)
    return folder


def batches(inbox: Path, batch_size: int, pages: int | None = None):
    """The inbox (its first `pages` files) as the flow makes it into batches: planned against an empty
    warehouse, parsed, one `BatchFrames` per `batch_size` pages."""
    from cppcc.settings import Settings
    from flows.frames import build_frames
    from flows.parsed import parse_chunk
    from flows.sources import plan_inbox

    parsed = parse_chunk(plan_inbox(inbox, {}, {}).new[:pages], Settings().max_file_bytes)
    return [build_frames(parsed[i:i + batch_size]) for i in range(0, len(parsed), batch_size)]


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir()) / 1e6
