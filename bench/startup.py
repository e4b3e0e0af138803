"""What one part of a run costs a fresh interpreter before any page (`python -m bench.startup PART`): the
interpreter alone, Prefect, the parser with its dictionaries (what the parsing forkserver loads), or GX with
the suites built (what the validator process loads). Prints the interpreter's PSS afterwards."""
import sys

import psutil

from bench.measure import print_json


def _prefect():
    import prefect  # noqa: F401


def _parser():
    import flows.parse_worker  # noqa: F401 — the parser, and jieba's dictionary loaded


def _great_expectations():
    import expectations

    expectations.warm_up()


PARTS = {"python": lambda: None, "prefect": _prefect, "parser": _parser, "great_expectations": _great_expectations}


if __name__ == "__main__":
    PARTS[sys.argv[1]]()
    print_json({"pss": psutil.Process().memory_full_info().pss})
