"""Near copies: winnowed fingerprints of normalised tokens, as MOSS computes them.

A file becomes Python tokens with names, numbers and strings replaced by
placeholders (renaming variables or rewording comments changes nothing),
then hashed k-grams, of which winnowing keeps the smallest in every window
of w: two files sharing a run of at least k + w - 1 tokens share a
fingerprint. What the stub already holds (signatures, docstrings) is removed
first, as MOSS removes base code; between submissions, so is a passage found
in more than a tenth of the files (and more than 10): what many wrote alike is
the common way to write it, not a copy (MOSS's `-m`). Two files' similarity
is the share of the smaller one's remaining fingerprints found in the other;
a file's similarity to the reference is the share of its fingerprints found
in the reference. A flag is information for the
instructor, never a change of score.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

K = 5
WINDOW = 4
THRESHOLD = 0.8
MIN_FINGERPRINTS = 8
COMMON_AT_LEAST = 10
REFERENCE = "(reference)"
_SKIPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
    tokenize.TYPE_COMMENT,
}


def tokens(source: str) -> list[str]:
    """The file's tokens, names, numbers and strings normalised (as far as it tokenizes)."""
    found: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in _SKIPPED:
                continue
            if token.type == tokenize.NAME:
                found.append(token.string if keyword.iskeyword(token.string) else "N")
            elif token.type == tokenize.NUMBER:
                found.append("0")
            elif token.type == tokenize.STRING:
                found.append("S")
            elif token.type == tokenize.OP:
                found.append(token.string)
            else:
                found.append(tokenize.tok_name[token.type])
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def fingerprints(source: str, k: int = K, window: int = WINDOW) -> set[int]:
    """Winnowing: the minimum hash of every window of `window` consecutive k-gram hashes."""
    found = tokens(source)
    hashes = [
        int.from_bytes(
            hashlib.blake2b(" ".join(found[i : i + k]).encode(), digest_size=8).digest(), "big"
        )
        for i in range(len(found) - k + 1)
    ]
    if len(hashes) <= window:
        return set(hashes)
    return {min(hashes[i : i + window]) for i in range(len(hashes) - window + 1)}


@dataclass(frozen=True)
class Flag:
    """Two submissions (or one and the reference) that share most of their fingerprints."""

    exercise: str
    first: str
    second: str
    similarity: float

    def to_json(self) -> dict[str, object]:
        return {
            "exercise": self.exercise,
            "pair": [self.first, self.second],
            "similarity": round(self.similarity, 3),
        }


def flags(
    exercise: str,
    sources: Mapping[str, str],
    base: str = "",
    references: tuple[str, ...] = (),
    threshold: float = THRESHOLD,
) -> list[Flag]:
    """Every pair at or above `threshold`, most similar first; `base` (the stub) is ignored."""
    ignored = fingerprints(base) if base else set()
    prints = {who: fingerprints(text) - ignored for who, text in sources.items()}
    reference = set().union(*(fingerprints(text) for text in references)) - ignored
    held: dict[int, int] = defaultdict(int)
    for found in prints.values():
        for value in found:
            held[value] += 1
    common = max(COMMON_AT_LEAST, len(prints) // 10)
    own = {who: {v for v in found if held[v] <= common} for who, found in prints.items()}
    own = {who: found for who, found in own.items() if len(found) >= MIN_FINGERPRINTS}
    holders: dict[int, list[str]] = defaultdict(list)
    for who, found in own.items():
        for value in found:
            holders[value].append(who)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for group in holders.values():
        for pair in combinations(sorted(group), 2):
            shared[pair] += 1
    result = [
        Flag(exercise, a, b, count / min(len(own[a]), len(own[b])))
        for (a, b), count in shared.items()
    ]
    if reference:
        result += [
            Flag(exercise, who, REFERENCE, len(found & reference) / len(found))
            for who, found in prints.items()
            if len(found) >= MIN_FINGERPRINTS
        ]
    chosen = [f for f in result if f.similarity >= threshold]
    return sorted(chosen, key=lambda f: (-f.similarity, f.first, f.second))
