"""Train/test splits that do not leak one advertiser's labels across the split.

Ads sharing a phone number, e-mail, handle or cluster id are joined with
union-find and kept on one side (group split); ``time`` puts the newest ads in
the test set, the way a model meets the future.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from models.record import contact_keys


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def contact_groups(records: Sequence[dict[str, Any]]) -> np.ndarray:
    """Group number per record: records connected through any shared contact key share a group."""
    uf = _UnionFind(len(records))
    first_seen: dict[str, int] = {}
    for i, record in enumerate(records):
        for key in contact_keys(record):
            j = first_seen.setdefault(key, i)
            if j != i:
                uf.union(i, j)
    return np.fromiter((uf.find(i) for i in range(len(records))), dtype=np.int64, count=len(records))


def group_split(
    records: Sequence[dict[str, Any]], test_fraction: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test); whole contact groups go to one side, chosen by a seeded hash."""
    groups = contact_groups(records)
    ids = [str(r.get("id", i)) for i, r in enumerate(records)]
    roots = np.unique(groups)

    def rank(root: int) -> str:
        return hashlib.sha256(f"{seed}:{ids[root]}".encode()).hexdigest()

    test_roots: set[int] = set()
    sizes = np.bincount(groups, minlength=len(records))
    target, taken = test_fraction * len(records), 0
    for root in sorted(roots.tolist(), key=rank):
        if taken >= target:
            break
        test_roots.add(root)
        taken += int(sizes[root])
    is_test = np.fromiter((g in test_roots for g in groups.tolist()), dtype=bool, count=len(records))
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def time_split(records: Sequence[dict[str, Any]], test_fraction: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): the newest ``test_fraction`` by ``posted_at`` (undated ads count as oldest)."""
    order = sorted(range(len(records)), key=lambda i: (str(records[i].get("posted_at") or ""), i))
    cut = len(records) - round(test_fraction * len(records))
    return np.asarray(sorted(order[:cut]), dtype=np.int64), np.asarray(sorted(order[cut:]), dtype=np.int64)


def split(
    records: Sequence[dict[str, Any]], method: str = "group", test_fraction: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    if method == "group":
        return group_split(records, test_fraction, seed)
    if method == "time":
        return time_split(records, test_fraction)
    raise ValueError(f"unknown split {method!r} (choose group or time)")
