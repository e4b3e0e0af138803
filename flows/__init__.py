"""Prefect orchestration: discover new inbox files, parse, validate, load. Tasks orchestrate; logic lives elsewhere."""
