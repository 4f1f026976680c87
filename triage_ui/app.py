"""The FastAPI application factory.

``create_app`` takes an explicit ES client, prefix and settings so that the CLI, the
tests and the benchmark each build exactly the app they need; nothing global is read
at import time.
"""

from __future__ import annotations

from pathlib import Path

from elasticsearch import Elasticsearch
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from triage_ui.config import UISettings
from triage_ui.context import UIContext
from triage_ui.deps import Forbidden, NotAuthenticated, audit_log, csrf_protect
from triage_ui.routers import ROUTERS
from triage_ui.security.headers import SecurityHeadersMiddleware
from triage_ui.store.indices import ensure_ui_indices
from triage_ui.templating import render


def create_app(es: Elasticsearch, prefix: str, settings: UISettings, *, ensure_indices: bool = True) -> FastAPI:
    if ensure_indices:
        ensure_ui_indices(es, prefix)
    app = FastAPI(
        title="Signaal triage", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(csrf_protect)]
    )
    app.state.ctx = UIContext(es=es, prefix=prefix, settings=settings)
    app.state.login_limiter = None  # set in routers.auth on first use
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _install_error_handlers(app)

    app.add_middleware(SecurityHeadersMiddleware)
    return app


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
