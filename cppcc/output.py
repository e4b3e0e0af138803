"""Query results on the terminal: an aligned table (CJK characters take two cells), CSV or JSON."""
from __future__ import annotations

import csv
import json
import sys
import unicodedata
from datetime import date, datetime

import click

FORMATS = ("table", "csv", "json")


def json_default(v):
    return v.isoformat() if isinstance(v, (date, datetime)) else str(v)


def print_rows(columns: list[str], rows: list[tuple], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        click.echo(json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, default=json_default))
    else:
        cells = [[("" if v is None else str(v)) for v in r] for r in rows]
        widths = [max([_cells(c)] + [_cells(r[i]) for r in cells]) for i, c in enumerate(columns)]
        click.echo(" | ".join(_pad(c, w) for c, w in zip(columns, widths)))
        click.echo("-+-".join("-" * w for w in widths))
        for r in cells:
            click.echo(" | ".join(_pad(v, w) for v, w in zip(r, widths)))


def _cells(text: str) -> int:
    """Terminal cells: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _cells(text))
