"""What Data Docs cost a run (`python -m bench.datadocs NIGHTS`): NIGHTS nights of 20 generated pages validated
by the GX suites, each followed by the Data Docs build of that night (the index keeping every run so far);
prints the seconds of each build."""
import hashlib
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import print_json

PAGES_PER_NIGHT = 20


def night_frames(first: int):
    from cppcc.generate import generate_page
    from flows.frames import build_frames
    from flows.parsed import ParsedPage
    from flows.sources import SourcePage
    from transforms.page import parse_page

    pages = []
    for i in range(first, first + PAGES_PER_NIGHT):
        sha = hashlib.sha256(str(i).encode()).hexdigest()
        rows = parse_page(generate_page(i).text, f"p{i}.txt", sha)
        pages.append(ParsedPage(SourcePage(f"p{i}.txt", sha), raw=b"x", rows=rows))
    return build_frames(pages).tables


def main(nights: int) -> None:
    import expectations

    expectations.warm_up()
    expectations.keep_results_for_docs()
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        for night in range(nights):
            expectations.validate_batch(night_frames(night * PAGES_PER_NIGHT), {})
            started = time.perf_counter()
            expectations.build_docs(Path(folder), f"night-{night:03d}")
            seconds.append(time.perf_counter() - started)
    print_json({"pages_per_night": PAGES_PER_NIGHT, "seconds": seconds})


if __name__ == "__main__":
    main(int(sys.argv[1]))
