"""Tokens and keywords via jieba. Each text is tokenized once; keywords reuse the tokens.

Tokenizing runs on rjieba, the Rust port of jieba: same dictionary, same `lcut` output, ~15x faster.
jieba stays the reference (tests/test_tokens.py checks the two agree) and supplies the IDF table."""
from __future__ import annotations

import re
from collections import Counter
from functools import cache

import rjieba

from .lexicons import load_districts, load_lexicon
from .numbers import CHINESE_NUMERALS

KEYWORD_COUNT = 8
ADDED_NOUN_FREQ = 2000      # high enough that jieba cuts an added noun whole (界别的 -> 界别 / 的)


def _district_words() -> list[str]:
    return [name for d in load_districts() for name in (d.name, d.short_name)]


def _added_nouns() -> list[str]:
    return load_lexicon("words")["added_nouns"]


@cache
def _tokenizer() -> rjieba.Jieba:
    tokenizer = rjieba.Jieba()
    for word in _district_words():
        tokenizer.add_word(word, None, "ns")
    for word in _added_nouns():
        tokenizer.add_word(word, ADDED_NOUN_FREQ, "n")
    return tokenizer


@cache
def reference_tokenizer():
    """jieba itself with the same added words: what `tokenize` must agree with."""
    import jieba

    jieba.setLogLevel(60)
    for word in _district_words():
        jieba.add_word(word, tag="ns")
    for word in _added_nouns():
        jieba.add_word(word, ADDED_NOUN_FREQ, tag="n")
    return jieba.dt


@cache
def _idf() -> tuple[dict[str, float], float, frozenset[str]]:
    """jieba's IDF table and stop words (jieba.analyse loads them when imported)."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(60)
    tfidf = jieba.analyse.default_tfidf
    return tfidf.idf_freq, tfidf.median_idf, frozenset(tfidf.stop_words)


def warm_up() -> None:
    """Load the dictionary and IDF table now (in a parent process, before workers fork)."""
    _tokenizer().cut("重庆")
    _idf()


def tokenize(text: str) -> list[str]:
    return _tokenizer().cut(text)


def tag(text: str) -> list[tuple[str, str]]:
    """(word, part of speech) pairs, jieba's tags: `nr` a person's name, `ns` a place."""
    return _tokenizer().tag(text, True)


def _counts(tokens: list[str]) -> Counter:
    """Tokens of two or more characters that are not stop words or bare numbers (`2024`, `80.3%`, `一二三`), counted."""
    _, _, stop = _idf()
    counts = Counter(t for t in tokens if len(t) >= 2)
    for t in [t for t in counts if len(t.strip()) < 2 or t.lower() in stop
              or (t[0] in _NUMBER_START and _BARE_NUMBER.fullmatch(t))]:
        del counts[t]
    return counts


# A number in any script: digits and their marks, Chinese numerals (一二三, 十五), circled and Roman numerals.
_NUMBER_CHARS = "0123456789.,+-%％—～~" + CHINESE_NUMERALS + "".join(map(chr, range(0x2460, 0x2474))) + \
    "".join(map(chr, range(0x2160, 0x2180)))
_BARE_NUMBER = re.compile(f"[{re.escape(_NUMBER_CHARS)}]+")
_NUMBER_START = frozenset(_NUMBER_CHARS)


def content_words(tokens: list[str] | Counter) -> set[str]:
    """Tokens that carry meaning: two or more characters, not a stop word, not a number."""
    counts = tokens if isinstance(tokens, Counter) else _counts(tokens)
    return {t for t in counts if not t.isascii()}


def keywords(tokens: list[str] | Counter, k: int = KEYWORD_COUNT) -> list[str]:
    """Top-k TF-IDF keywords with jieba's IDF table (what jieba.analyse.extract_tags computes)."""
    idf, median, _ = _idf()
    counts = tokens if isinstance(tokens, Counter) else _counts(tokens)
    total = sum(counts.values()) or 1
    scored = sorted(counts, key=lambda w: (-counts[w] * idf.get(w, median) / total, w))
    return scored[:k]


def word_counts(text: str) -> Counter:
    """The counted meaningful tokens of a text, for `content_words` and `keywords` both."""
    return _counts(tokenize(text))
