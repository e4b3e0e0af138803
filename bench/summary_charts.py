"""What the summary's charts cost a run: a fresh interpreter loads `flows.summary` and renders a run's summary,
with something to chart or without (`python -m bench.summary_charts charts|none`); prints its seconds."""
import sys
import time

from bench.measure import print_json


def main(what: str) -> None:
    started = time.perf_counter()
    from flows.summary import RunSummary

    summary = RunSummary(source="inbox")
    if what == "charts":
        summary.count_districts(["江津区"] * 30 + ["永川区"] * 12 + ["涪陵区"] * 7)
        summary.quarantined = [("a", "parse", "x"), ("b", "validate", "y")]
    summary.markdown()
    print_json({"seconds": time.perf_counter() - started})


if __name__ == "__main__":
    main(sys.argv[1])
