"""Browser helpers for JavaScript sites: what the browser must not load, and safe page closing.

Images, fonts and media are aborted in the browser: they are not needed to read
an ad, and images are fetched (once, with hashes and WARC evidence) by the
image pipeline instead.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)
BLOCKED_RESOURCE_TYPES = frozenset({"image", "font", "media"})


def should_abort(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST predicate."""
    return request.resource_type in BLOCKED_RESOURCE_TYPES


async def close_page(meta: dict[str, Any]) -> None:
    """Close the request's page (never its context first); a crashed browser's page is already gone."""
    page = meta.pop("playwright_page", None)
    if page is None:
        return
    with contextlib.suppress(Exception):
        await page.close()
