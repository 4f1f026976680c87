"""glibc allocator settings for the crawler process, which runs for hours and must not creep up.

Measured over 20,000-ad crawls (docs/crawler.md, Performance): Python's own heap stays flat, but the
process steps up by 5-16 MiB at a few points and stays there. Each step is glibc keeping memory it got
back: every thread that allocates can get its own arena, whose free memory the others do not reuse;
and glibc's *dynamic* mmap threshold rises to the size of the largest block it has freed (a sealed WARC
manifest, an Elasticsearch bulk body), after which such blocks come from the heap instead of mmap, and
up to twice that much free heap is kept instead of returned. A fixed threshold keeps large blocks in
mmap (returned on free) and the heap trimmed; a periodic ``malloc_trim`` returns free pages in the
middle of the heap as well. On other C libraries every function here is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

#: mallopt() parameter numbers (glibc malloc.h).
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

ARENAS = 2
MMAP_THRESHOLD = 256 * 1024  # glibc's starting value is 128 KiB; fixing it turns the dynamic raise off


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - glibc only (musl and macOS have no mallopt / malloc_trim)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def tune_malloc(arenas: int = ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> bool:
    """Cap glibc's arenas and fix its mmap threshold for this process (True if glibc took both)."""
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas)) and bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold))


def release_free_heap() -> bool:
    """Return free heap pages to the OS (``malloc_trim(0)``); True if glibc released any."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
