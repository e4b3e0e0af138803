"""Where parsing spends its time: pyinstrument over the first pages of a folder, in one process
(`python -m bench.parser_profile DIR [PAGES]`); prints the profile as text, then its JSON."""
import sys
from pathlib import Path

from pyinstrument import Profiler

from bench.measure import print_json

PAGES = 300


def main(folder: Path, count: int = PAGES) -> None:
    from cppcc.settings import Settings
    from flows.parse_worker import parse_source_page
    from flows.sources import plan_inbox

    pages, max_bytes = plan_inbox(folder, {}, {}).new[:count], Settings().max_file_bytes
    parse_source_page(pages[0], max_bytes)                  # the first page pays for lazy set-up
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for page in pages:
        parse_source_page(page, max_bytes)
    profiler.stop()
    print_json({"pages": len(pages), "profile": profiler.output_text(unicode=False, color=False, show_all=False)})


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(int(a) for a in sys.argv[2:]))
