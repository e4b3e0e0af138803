"""The sample pages in other encodings and line styles parse the same as the originals."""
import hashlib

import pytest

from transforms.page import parse_page
from transforms.text import decode_page


def _articles(raw: bytes, name: str):
    frames = parse_page(decode_page(raw), name, hashlib.sha256(raw).hexdigest())
    return [(a["kind"], a["headline"], a["district_code"], a["body"]) for a in frames.articles], len(frames.metrics)


@pytest.mark.parametrize("variant", ["gb18030", "bom-crlf", "single-newlines", "full-width-digits"])
def test_variants_parse_like_the_original(shared, variant):
    for path in sorted((shared / "samples" / "inbox").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        raw = {
            "gb18030": lambda: text.encode("gb18030"),
            "bom-crlf": lambda: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"),
            "single-newlines": lambda: "\n".join(l for l in text.split("\n") if l.strip()).encode("utf-8"),
            "full-width-digits": lambda: text.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}).encode("utf-8"),
        }[variant]()
        assert _articles(raw, path.name) == _articles(path.read_bytes(), path.name), (variant, path.name)


def test_file_name_date_wins_over_the_text(shared):
    path = sorted((shared / "samples" / "inbox").glob("*.txt"))[0]
    raw = path.read_bytes()
    frames = parse_page(decode_page(raw), "2025-10-09_" + path.name, hashlib.sha256(raw).hexdigest())
    (issue,) = frames.issues
    assert issue["issue_date_source"] == "filename" and str(issue["issue_date"]) == "2025-10-09"
