"""Strings kept as their sorted 64-bit hashes, for lookups only (issue #19: idle memory).

The safety net keeps about 26,000 n-grams of its model and 30,000 dictionary words for the life of
the process; as str objects in a dict or set they held about 7 MB, as an array of hashes well under
1 MB. A lookup is a bisection (microseconds); the callers cache per word, so it runs once per word
they have not read before. Two different strings sharing a 64-bit hash would be taken for each
other; the chance is negligible, and `HashedStrings` refuses to be built over such a pair."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable


class HashedStrings:
    """`position(s)`: the rank of `s` among the strings by hash (0 … len − 1), or None when it is not
    one of them; `index(s)` the same for one of them; `s in self`."""

    __slots__ = ("_hashes",)

    def __init__(self, strings: Iterable[str]) -> None:
        distinct = set(strings)
        self._hashes = array("q", sorted(hash(s) for s in distinct))
        if len(set(self._hashes)) != len(distinct):  # pragma: no cover - 64-bit hashes
            raise ValueError("two of the strings share a hash")

    def position(self, key: object) -> int | None:
        hashes, wanted = self._hashes, hash(key)
        at = bisect_left(hashes, wanted)
        return at if at < len(hashes) and hashes[at] == wanted else None

    def index(self, key: str) -> int:
        """As `position`, for a string known to be one of them (KeyError otherwise)."""
        at = self.position(key)
        if at is None:
            raise KeyError(key)
        return at

    def __contains__(self, key: object) -> bool:
        return self.position(key) is not None

    def __len__(self) -> int:
        return len(self._hashes)
