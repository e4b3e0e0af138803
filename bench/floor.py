"""The floor: bare `jieba.lcut` over every file of a folder, in one process (`python -m bench.floor DIR`)."""
import sys
import time
from pathlib import Path

import jieba

from bench.measure import print_json


def main(folder: Path) -> None:
    jieba.setLogLevel(60)
    jieba.initialize()
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())]
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    print_json({"seconds": time.perf_counter() - started, "pages": len(texts)})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
