"""JSONPath for JSON API sites: compiled once per expression, and a lenient JSON body reader.

The expressions use jsonpath-ng's extended grammar (``jsonpath_ng.ext``, a
superset of the basic one): filters (``$.items[?(@.city)]``) and arithmetic
(``$.page + 1``, for APIs that number their pages instead of linking the next
one). A path is evaluated against the value it is given, so inside a listing
entry ``$.id`` means the entry's ``id``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonpath_ng.ext import parse


@lru_cache(maxsize=512)
def compile_jsonpath(expression: str) -> Any:
    """The parsed expression; raises on a syntax error (the config check reports it)."""

    return parse(expression)


def find(expression: str, data: Any) -> list[Any]:
    """The values the expression selects in ``data``, in document order."""
    return [match.value for match in compile_jsonpath(expression).find(data)]


def load_document(body: bytes) -> Any:
    """Parse a JSON response; trailing garbage after the first complete value is ignored.

    A browser's HTML parser recovers from broken markup, and so should the JSON
    reader: a valid object followed by junk (a broken proxy, a debugging line)
    still holds the whole ad. A body that is cut off or not JSON at all raises
    ``ValueError``.
    """
    text = body.decode("utf-8-sig", errors="replace").lstrip()
    value, _ = json.JSONDecoder().raw_decode(text)
    return value
