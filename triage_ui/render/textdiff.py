"""Word-level diff between two versions of an ad (difflib), as (op, text) segments."""

from __future__ import annotations

import difflib
import re

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """Segments with op ``=``, ``-`` (removed) or ``+`` (added); the template escapes the text."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", "".join(b[j1:j2])))
    return out


def changed(old: str | None, new: str | None) -> bool:
    return (old or "") != (new or "")
