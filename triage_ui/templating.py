"""Jinja2 templates (autoescape on) and the one ``render`` helper every page uses.

``render`` adds what the layout needs: the CSP nonce for the script tag, the user and
their permissions for the navigation, and the CSRF token for every form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from triage_ui import data

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.autoescape = True  # every template, whatever its extension
TEMPLATES.env.globals["explain"] = data.indicator_explanation


def _pct(value: object) -> str:
    try:
        return f"{float(value) * 100:.0f}"
    except (TypeError, ValueError):
        return "–"


def _short_time(value: object) -> str:
    return str(value or "")[:16].replace("T", " ")


def _qs(params: dict[str, Any], **updates: Any) -> str:
    """Query string for a filter link: current params with some keys changed or removed (None)."""
    merged = {**params, **updates}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


TEMPLATES.env.globals["qs"] = _qs
TEMPLATES.env.filters["pct"] = _pct
TEMPLATES.env.filters["when"] = _short_time


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    holder = principal or context.get("principal_pending")  # a login between password and second factor
    context.update(
        nonce=request.state.csp_nonce,
        principal=principal,
        csrf_token=holder.session.csrf_token if holder else context.get("csrf_token", ""),
    )
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
