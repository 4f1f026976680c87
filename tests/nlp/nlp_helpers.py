"""Helpers for the NLP tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from typing import Any

import nlp


def analyse(body: str = "", title: str = "", **extra: Any) -> dict[str, Any]:
    """The analysis of one ad (title + body)."""
    return next(nlp.analyze([{"id": "test:1", "title": title, "body": body, **extra}]))


def codes(result: dict[str, Any]) -> set[str]:
    return {i["code"] for i in result["indicators"]}
