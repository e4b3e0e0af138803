"""A run's counters are said one way: the CLI's line, the flow's log, the artifact's table and a plan's line."""
from pathlib import Path

from cppcc.generate import write_pages
from flows.sources import plan_inbox
from flows.summary import COUNTERS, RUN_COUNTERS, RunSummary, counts_line


def a_run() -> RunSummary:
    summary = RunSummary(source="inbox", files_seen=11, duplicates=1, not_ready=1)
    summary.loaded = ["a.txt", "b.txt"]
    summary.quarantined = [(f"bad{i}.txt", "decode", "empty file") for i in range(7)]
    return summary


def test_a_run_s_counters_in_one_line_and_in_the_artifact():
    summary = a_run()
    assert counts_line(summary.as_row()) == ("files seen 11: loaded 2, quarantined 7, unchanged 0, renamed 0, "
                                             "duplicates 1, quarantined before 0, not ready 1")
    assert counts_line(summary.as_dict()) == counts_line(summary.as_row()), "the flow's result says the same"
    table = summary.markdown().splitlines()
    header = table.index("| " + " | ".join(COUNTERS[n] for n in RUN_COUNTERS) + " |")
    assert table[header + 2] == "| 11 | 2 | 7 | 0 | 0 | 1 | 0 | 1 |"
    assert counts_line(summary.as_row(), ("files_seen", "loaded", "quarantined")) == \
        "files seen 11: loaded 2, quarantined 7"
    assert counts_line(summary.as_row(), ("loaded", "quarantined")) == "loaded 2, quarantined 7"


def test_a_plan_s_counters_add_up_and_are_said_the_same_way(tmp_path: Path):
    write_pages(tmp_path, 3, seed=5)
    (tmp_path / "upload.txt.part").write_text("still uploading", encoding="utf-8")
    counters = plan_inbox(tmp_path, {}, {}).counters()
    assert counters["files_seen"] == sum(v for k, v in counters.items() if k != "files_seen") == 4
    assert counts_line(counters) == ("files seen 4: new 3, unchanged 0, renamed 0, duplicates 0, "
                                     "quarantined before 0, unreadable 0, not ready 1")
