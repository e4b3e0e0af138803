"""Prefect orchestration: discover new inbox files, parse, validate, load. Tasks orchestrate; logic lives elsewhere."""

FLOW_NAME = "nightly-ingest"       # the flow, its deployment (`cppcc serve`) and its summary artifact are named after it
