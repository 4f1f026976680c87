"""The FastAPI application factory.

``create_app`` takes an explicit ES client, prefix and settings so that the CLI, the
tests and the benchmark each build exactly the app they need; nothing global is read
at import time. ``app_from_env`` is what each ``signaal ui --workers N`` process calls.
What a worker keeps in memory is per process by design (settings, the ES client, one
PDF browser); everything that must agree between workers (sessions, login and PDF
counters, users, audit) lives in Elasticsearch.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from elasticsearch import Elasticsearch
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from signaal.es.client import get_client
from signaal.settings import get_settings
from triage_ui.config import UISettings, get_ui_settings
from triage_ui.context import UIContext
from triage_ui.deps import Forbidden, NotAuthenticated, StepUpRequired, audit_log, csrf_protect
from triage_ui.render.geomap import BasemapMissingError, country_shapes
from triage_ui.render.pdf import PdfRenderer
from triage_ui.routers import ROUTERS
from triage_ui.security.headers import SecurityHeadersMiddleware
from triage_ui.security.throttle import LoginThrottle
from triage_ui.store.indices import ensure_ui_indices
from triage_ui.templating import render


def create_app(es: Elasticsearch, prefix: str, settings: UISettings, *, ensure_indices: bool = True) -> FastAPI:
    if ensure_indices:
        ensure_ui_indices(es, prefix)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(app.state.pdf.close)

    app = FastAPI(
        title="Signaal triage",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
        lifespan=lifespan,
    )
    ctx = UIContext(es=es, prefix=prefix, settings=settings)
    app.state.ctx = ctx
    app.state.throttle = LoginThrottle(ctx)
    app.state.pdf = PdfRenderer(settings.chromium_path, concurrency=settings.pdf_concurrency)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _install_error_handlers(app)

    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    return app


def app_from_env() -> FastAPI:
    """The app as ``signaal ui`` serves it, built from the environment (one call per worker process)."""
    settings = get_ui_settings()
    app = create_app(get_client(component="ui"), get_settings().index_prefix, settings, ensure_indices=False)
    threading.Thread(target=_warm_map, args=(settings.basemap,), name="warm-map", daemon=True).start()
    return app


def _warm_map(basemap: Path) -> None:
    """Decode the map boundaries once per worker, off the request path (a missing file is reported on the
    map page)."""
    with contextlib.suppress(BasemapMissingError):
        country_shapes(basemap)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def _not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if request.method == "GET":
            return RedirectResponse("/login", status_code=303)
        await run_in_threadpool(audit_log, request, "denied", target=request.url.path, outcome="unauthenticated")
        return render(
            request, "error.html", 401, title="Signed out", message="Your session has ended. Please sign in again."
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        await run_in_threadpool(
            audit_log,
            request,
            "denied",
            target=request.url.path,
            outcome="forbidden",
            details={"reason": exc.reason, "method": request.method},
        )
        return render(
            request, "error.html", 403, title="Not allowed", message="You do not have access to this page or action."
        )

    @app.exception_handler(StepUpRequired)
    async def _step_up(request: Request, exc: StepUpRequired) -> Response:
        if request.method == "GET":
            return RedirectResponse(f"/step-up?{urlencode({'next': exc.back})}", status_code=303)
        message = "Confirm with your code, then repeat the action."
        return render(request, "step_up.html", 401, next_url=exc.back, message=message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        return render(
            request, "error.html", 422, title="Invalid input", message=f"{where}: {first.get('msg', 'invalid value')}"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return render(request, "error.html", exc.status_code, title=f"Error {exc.status_code}", message=str(exc.detail))
