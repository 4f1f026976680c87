"""The crawler caps glibc malloc arenas so its threads do not each keep freed memory to themselves."""

from __future__ import annotations

import platform

import pytest

from crawler.runner import cap_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt(M_ARENA_MAX) is glibc's")
def test_arena_cap_is_accepted_by_glibc():
    assert cap_malloc_arenas(2) is True
