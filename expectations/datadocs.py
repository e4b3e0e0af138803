"""Great Expectations Data Docs of every run's validation results, under the data folder, readable offline.

The validator process keeps each batch's results (`record`); at the end of the run `build` stores them in a
filesystem results store beside the site (`.results/`), has GX's site builder render their pages and the
index, and rewrites every page's links to the CSS and JavaScript GX takes from CDNs so that they point at
copies under `static/vendor/` — the same files at the same versions, installed from the npm registry by
`make` (expectations/assets/package.json). Only the last KEEP_RUNS runs are kept."""
from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

KEEP_RUNS = 30
SITE = "cppcc"
RESULTS = ".results"
VENDOR = Path("static") / "vendor"
ASSETS = Path(sys.prefix) / "share" / "cppcc-datadocs" / "node_modules"     # `make` installs them there
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
# Every CDN file GX 1.24's page templates link, and the file of the npm package (same version) that it is.
CDN_FILES = {
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
}
EXTRA_FOLDERS = ["@fortawesome/fontawesome-free/webfonts"]      # all.min.css loads ../webfonts/*
# A resource a page would fetch from elsewhere: src=, <link href=, CSS url().
REMOTE_RESOURCE = re.compile(r"""(?:\bsrc\s*=\s*["']?|<link\b[^>]*\bhref\s*=\s*["']?|url\(\s*["']?)https?://""", re.I)

log = logging.getLogger(__name__)


def docs_folder(settings) -> Path:
    return Path(settings.data) / "datadocs"


class DataDocs:
    """The run's results, kept in the validator process until `build`."""

    def __init__(self):
        self.pending: list[tuple[str, object]] = []       # (table, ExpectationSuiteValidationResult)

    def record(self, table: str, result) -> None:
        self.pending.append((table, result))

    def build(self, context, folder: Path, run_name: str) -> Path | None:
        """Store the pending results under `run_name`, render their pages and the index; the run's index path."""
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier, ValidationResultIdentifier)

        pending, self.pending = self.pending, []
        if not pending:
            return None
        folder = folder.resolve()
        store = _site(context, folder)
        run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc))
        keys, batches = [], {}
        for table, result in pending:
            batches[table] = batches.get(table, 0) + 1
            key = ValidationResultIdentifier(ExpectationSuiteIdentifier(table), run_id, f"batch-{batches[table]:03d}")
            store.set(key, result)
            keys.append(key)
        prune(folder)
        context.build_data_docs(site_names=[SITE], resource_identifiers=keys)
        localize(folder)
        return folder / "index.html"


def _site(context, folder: Path):
    """The filesystem results store and the site (added to the context once)."""
    name = "cppcc_results"
    if name not in context.stores:
        context.add_store(name, {"class_name": "ValidationResultsStore", "store_backend": {
            "class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder / RESULTS)}})
        context.variables.validation_results_store_name = name
        context.add_data_docs_site(SITE, {"class_name": "SiteBuilder", "store_backend": {
            "class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
    return context.stores[name]


def prune(folder: Path, keep: int = KEEP_RUNS) -> None:
    """Keep the results and pages of the last `keep` runs (GX's layout: <table>/<run name>/<run time>/<batch>)."""
    results = folder / RESULTS
    runs = sorted({(max(t.name for t in run.iterdir()), run.name) for table in results.iterdir() if table.is_dir()
                   for run in table.iterdir() if run.is_dir() and any(run.iterdir())},
                  reverse=True) if results.is_dir() else []
    for _, name in runs[keep:]:
        for root in (results, folder / "validations"):
            for run in root.glob(f"*/{name}"):
                shutil.rmtree(run, ignore_errors=True)


def copy_assets(folder: Path) -> bool:
    """The CDN files GX links, copied into the site once; False when they are not installed."""
    target = folder / VENDOR
    if not ASSETS.is_dir():
        log.warning("Data Docs: %s is missing (make installs it): pages link local copies that are not there", ASSETS)
        return False
    for relative in [*CDN_FILES.values(), *EXTRA_FOLDERS]:
        source, dest = ASSETS / relative, target / relative
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest)
        else:
            shutil.copy2(source, dest)
    return True


def localize(folder: Path) -> None:
    """Every page links local copies instead of CDN files and GX's web images (pages already done are skipped)."""
    copy_assets(folder)
    images = folder / "static" / "images"
    for page in folder.rglob("*.html"):
        if RESULTS in page.parts or VENDOR.parts[0] in page.relative_to(folder).parts[:1]:
            continue
        text = page.read_text(encoding="utf-8")
        if not any(url in text for url in (*CDN_FILES, GX_IMAGES)):
            continue
        up = os.path.relpath(folder, page.parent)
        for url, relative in sorted(CDN_FILES.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(url, f"{up}/{VENDOR.as_posix()}/{relative}")
        text = re.sub(re.escape(GX_IMAGES) + r"([\w.-]+)(\?[^\"']*)?",
                      lambda m: f"{up}/static/images/{m.group(1) if (images / m.group(1)).exists() else 'logo-long.png'}",
                      text)
        page.write_text(text, encoding="utf-8")


def remote_resources(page: Path) -> list[str]:
    """What a page would still fetch from another host (empty when it is offline)."""
    text = page.read_text(encoding="utf-8")
    return [text[m.start():m.end() + 60] for m in REMOTE_RESOURCE.finditer(text)]
