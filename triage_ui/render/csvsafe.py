"""CSV cells that a spreadsheet will not execute (OWASP CSV injection guidance).

A cell is neutralised with a leading ``'`` when, after any leading whitespace, it starts
with ``= + - @``, or when it starts with a tab, carriage return or line feed (OWASP's
list: a newline or tab before ``=`` still makes a formula). Plain numbers are left as they
are, so phone numbers (``+31612345678``, also several separated by spaces) and negative
values (``-2``) keep their value: without letters, ``=``, ``|`` or ``!`` a cell cannot
name a function, a cell or a DDE target, so at most a spreadsheet reads a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

_TRIGGERS = ("=", "+", "-", "@")
_LEADING_SPACE = ("\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,]*(?: [+-]?\d[\d.,]*)*")


def safe_cell(value: object) -> str:
    """Prefix ``'`` to any cell a spreadsheet could read as a formula."""
    text = "" if value is None else str(value)
    if _PLAIN_NUMBER.fullmatch(text):
        return text
    if text.startswith(_LEADING_SPACE) or text.lstrip().startswith(_TRIGGERS):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
