"""The crawler tunes glibc malloc so freed memory goes back to the OS instead of staying with the process."""

from __future__ import annotations

import platform

import pytest

from crawler.malloc import release_free_heap, tune_malloc

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt / malloc_trim are glibc's")


@glibc_only
def test_arena_cap_and_fixed_mmap_threshold_are_accepted_by_glibc():
    assert tune_malloc() is True


@glibc_only
def test_free_heap_pages_are_released():
    tune_malloc()
    blocks = [bytearray(4096) for _ in range(20_000)]  # below the mmap threshold: heap, not mmap
    del blocks[:-1]  # everything but the top block is free, so the heap cannot simply shrink from the top
    assert release_free_heap() is True
