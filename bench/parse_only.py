"""Parsing alone: the project's read-and-parse of every page of a folder (`flows.parse_worker`, what a parsing
process does), in one process, after the parser has loaded (`python -m bench.parse_only DIR`). Also what
turning the rows into columns costs where it is done now (each parsing process, per chunk of pages) against
where it was done before (the flow's process, the batch's rows at once), and what the flow's process still
does with the chunks' columns (concatenate them)."""
import pickle
import sys
import time
from pathlib import Path

from bench.measure import print_json


def main(folder: Path) -> None:
    from cppcc.settings import Settings
    from flows.frames import build_frames, concat
    from flows.parse_worker import parse_source_page          # loads the parser (jieba's dictionary)
    from flows.sources import plan_inbox
    from flows.tasks import PAGES_PER_CHUNK

    pages, max_bytes = plan_inbox(folder, {}, {}).new, Settings().max_file_bytes
    started = time.perf_counter()
    parsed = [parse_source_page(page, max_bytes) for page in pages]
    seconds = time.perf_counter() - started
    ok = [p for p in parsed if p.ok]
    chunks = [ok[i:i + PAGES_PER_CHUNK] for i in range(0, len(ok), PAGES_PER_CHUNK)]
    started = time.perf_counter()
    chunk_frames = [build_frames(chunk) for chunk in chunks]
    in_workers = time.perf_counter() - started
    started = time.perf_counter()
    concat(chunk_frames)
    concat_seconds = time.perf_counter() - started
    rows_pickled = [pickle.dumps(chunk) for chunk in chunks]
    started = time.perf_counter()
    build_frames([p for b in rows_pickled for p in pickle.loads(b)])
    rows_in_flow = time.perf_counter() - started
    print_json({"seconds": seconds, "pages": len(pages), "rejected": sum(not p.ok for p in parsed),
                "columns_in_parsers": in_workers, "columns_concat_in_flow": concat_seconds,
                "rows_to_columns_in_flow_before": rows_in_flow})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
