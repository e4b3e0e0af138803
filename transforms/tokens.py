"""Tokens and keywords via jieba. Each text is tokenized once; keywords reuse the tokens."""
from __future__ import annotations

from collections import Counter
from functools import cache

import jieba
import jieba.analyse

from .lexicons import load_districts

jieba.setLogLevel(60)
KEYWORD_COUNT = 8


@cache
def _tokenizer() -> jieba.Tokenizer:
    for d in load_districts():
        jieba.add_word(d.name, tag="ns")
        jieba.add_word(d.short_name, tag="ns")
    return jieba.dt


@cache
def _idf() -> tuple[dict[str, float], float, frozenset[str]]:
    tfidf = jieba.analyse.default_tfidf
    return tfidf.idf_freq, tfidf.median_idf, frozenset(tfidf.stop_words)


def warm_up() -> None:
    """Load jieba's dictionary and IDF table now (in a parent process, before workers fork)."""
    _tokenizer().initialize()
    _idf()


def tokenize(text: str) -> list[str]:
    return _tokenizer().lcut(text)


def content_words(tokens: list[str]) -> set[str]:
    """Tokens that carry meaning: two or more characters, not a stop word, not a number."""
    _, _, stop = _idf()
    return {t for t in tokens if len(t.strip()) >= 2 and t not in stop and not t.isascii()}


def keywords(tokens: list[str], k: int = KEYWORD_COUNT) -> list[str]:
    """Top-k TF-IDF keywords with jieba's IDF table (what jieba.analyse.extract_tags computes)."""
    idf, median, stop = _idf()
    counts = Counter(t for t in tokens if len(t.strip()) >= 2 and t.lower() not in stop)
    total = sum(counts.values()) or 1
    scored = sorted(counts, key=lambda w: (-counts[w] * idf.get(w, median) / total, w))
    return scored[:k]
