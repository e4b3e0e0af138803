"""`make bench`: the pipeline against its targets, on the project's generated corpora; writes bench/results.md.

Everything runs on this machine, in one go, with default settings and a running Prefect server (started
here, as `make run` does). The programs, each a module runnable on its own (`python -m bench.<name> …`,
printing what it measured as JSON):

- `floor` — bare single-process `jieba.lcut` over the files: the floor the throughput target is set against;
- `parse_only` — the project's own read-and-parse of each page (`flows.parse_worker`), in one process, and what
  turning the rows into columns costs in the parsing processes against the flow's process;
- `parser_profile` — the same under pyinstrument;
- `startup` — what one part costs a fresh interpreter before any page (Prefect, the parser, GX);
- `compare` — the DuckDB-file warehouse of before beside the DuckLake, loaded with the same frames;
- `year` — a year of small nightly commits, before and after the housekeeping every run ends with;
- `runs` — `cppcc run --json` itself: the large runs (wall, peak PSS of its process tree, stage seconds,
  queries during the load), a night's 20 pages on that warehouse, the no-op re-run, the Dask paths;
- `explore` — search and the explorer's pages on the large warehouse, with `summary_charts` and `datadocs`
  (what the summary's charts and the Data Docs add to a run, each in a fresh interpreter).

`python -m bench` runs them all and writes results.json (every figure) and results.md (`bench.report`:
tables of those figures, and the explanations of the gaps templated from them). Nothing in results.md is
written by hand: `python -m bench.report` rebuilds it from results.json.

    python -m bench [--pages 10000] [--steps runs night distributed compare profile] [--work data/bench]

`--pages` (or BENCH_PAGES) is the large corpus; the small one is a tenth of it. The targets are set for
10,000 pages, and only that size writes bench/results.*; a smaller size (`BENCH_PAGES=200 make bench`, a check
that the bench works) writes its results to the work folder.
"""
