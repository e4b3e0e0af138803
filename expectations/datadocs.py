"""Great Expectations Data Docs of every run's validation results, under the data folder, readable offline."""
from __future__ import annotations

from pathlib import Path


def docs_folder(settings) -> Path:
    return Path(settings.data) / "datadocs"
