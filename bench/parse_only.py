"""Parsing alone: the project's read-and-parse of every page of a folder (`flows.parse_worker`, what a parsing
process does), in one process, after the parser has loaded (`python -m bench.parse_only DIR`)."""
import sys
import time
from pathlib import Path

from bench.measure import print_json


def main(folder: Path) -> None:
    from cppcc.settings import Settings
    from flows.parse_worker import parse_source_page          # loads the parser (jieba's dictionary)
    from flows.sources import plan_inbox

    pages, max_bytes = plan_inbox(folder, {}, {}).new, Settings().max_file_bytes
    started = time.perf_counter()
    parsed = [parse_source_page(page, max_bytes) for page in pages]
    seconds = time.perf_counter() - started
    print_json({"seconds": seconds, "pages": len(pages), "rejected": sum(not p.ok for p in parsed)})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
