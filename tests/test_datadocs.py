"""Data Docs: each run's validation results rendered by GX's site builder under the data folder, every page
readable offline (no CSS, JavaScript or image fetched from another host), old runs pruned."""
import hashlib
import re

import pytest

import expectations
from cppcc.generate import generate_page
from expectations import datadocs
from flows.frames import build_frames
from flows.parsed import ParsedPage
from flows.sources import SourcePage
from transforms.page import parse_page


def batch(first: int, pages: int = 3):
    sha = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(first, first + pages)]
    parsed = [ParsedPage(SourcePage(f"p{i}.txt", h), raw=b"x", rows=parse_page(generate_page(i).text, f"p{i}.txt", h))
              for i, h in zip(range(first, first + pages), sha)]
    return build_frames(parsed).tables


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data") / "datadocs"
    expectations.keep_results_for_docs()
    try:
        failures = expectations.validate_batch(batch(0), {})
        assert not failures
        taken = {"articles": [batch(10)["articles"]["article_id"][0]]}       # a key "already in the warehouse"
        assert expectations.validate_batch(batch(10), taken)                  # a failing batch
        index = expectations.build_docs(folder, "run-one")
        expectations.validate_batch(batch(20), {})
        expectations.build_docs(folder, "run-two")
    finally:
        expectations.DOCS = None
    return folder, index


def test_every_run_has_its_pages_and_the_index_lists_them(docs):
    folder, index = docs
    assert index == folder.resolve() / "index.html"
    text = index.read_text(encoding="utf-8")
    assert "run-one" in text and "run-two" in text
    for run in ("run-one", "run-two"):
        assert {p.parts[-4] for p in (folder / "validations").rglob(f"{run}/*/*.html")} == set(expectations.PAGE_TABLES)
    failed = next((folder / "validations" / "articles" / "run-one").rglob("*.html")).read_text(encoding="utf-8")
    words = " ".join(re.sub(r"<[^>]+>", " ", failed).split())
    assert "Status: Failed" in words and "Unsuccessful Expectations 1" in words


def test_no_page_fetches_anything_from_another_host(docs):
    folder, _ = docs
    pages = list(folder.rglob("*.html"))
    assert len(pages) >= 9
    for page in pages:
        assert datadocs.remote_resources(page) == [], page
        text = page.read_text(encoding="utf-8")
        assert not any(url in text for url in datadocs.CDN_FILES), page
        assert datadocs.GX_IMAGES not in text, page


def test_the_local_copies_are_there_and_linked_relative_to_each_page(docs):
    folder, _ = docs
    if not datadocs.ASSETS.is_dir():
        pytest.skip(f"{datadocs.ASSETS} is not installed (make installs it with npm)")
    for relative in datadocs.CDN_FILES.values():
        assert (folder / datadocs.VENDOR / relative).is_file(), relative
    page = next((folder / "validations").rglob("*.html"))
    for link in ("static/vendor/jquery/dist/jquery.min.js", "static/vendor/bootstrap/dist/css/bootstrap.min.css"):
        relative = next(part for part in page.read_text(encoding="utf-8").split('"') if part.endswith(link))
        assert (page.parent / relative).resolve().is_file(), relative


def test_only_the_last_runs_are_kept(tmp_path):
    results = tmp_path / datadocs.RESULTS
    for n, name in enumerate(["c", "a", "e", "b", "d"]):          # run names need not sort by time
        for table in ("issues", "articles"):
            for root in (results, tmp_path / "validations"):
                (root / table / name / f"2025010{n}T000000Z").mkdir(parents=True)
    datadocs.prune(tmp_path, keep=2)
    assert sorted(p.name for p in (results / "issues").iterdir()) == ["b", "d"]
    assert sorted(p.name for p in (tmp_path / "validations" / "articles").iterdir()) == ["b", "d"]
