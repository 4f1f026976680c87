"""`signaal ui` and `signaal users ...`: run the triage UI and manage its accounts."""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Annotated

import typer


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _context():
    """UIContext for CLI use; settings errors become one-line messages."""
    from pydantic import ValidationError

    from signaal.es.client import get_client
    from signaal.settings import get_settings
    from triage_ui.config import get_ui_settings
    from triage_ui.context import UIContext
    from triage_ui.store.indices import ensure_ui_indices

    try:
        settings = get_ui_settings()
    except ValidationError as exc:
        raise _fail(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    es = get_client(component="ui")
    prefix = get_settings().index_prefix
    try:
        ensure_ui_indices(es, prefix)
    except Exception as exc:  # connection refused, setup error: one line, no traceback
        raise _fail(f"cannot prepare Elasticsearch indices at {get_settings().effective_es_url}: {exc}") from None
    return UIContext(es=es, prefix=prefix, settings=settings)


def ui(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8800,
) -> None:
    """Serve the triage UI (FastAPI) for analysts, investigators, ML staff and admins."""
    import uvicorn

    from triage_ui.app import create_app

    ctx = _context()
    if (
        ctx.settings.environment == "production"
        and host not in ("127.0.0.1", "::1", "localhost")
        and ctx.settings.cookie_secure is not True
    ):
        raise _fail("serving beyond loopback needs TLS: set SIGNAAL_UI_COOKIE_SECURE=true behind an https proxy")
    app = create_app(ctx.es, ctx.prefix, ctx.settings, ensure_indices=False)
    threading.Thread(target=_warm_map, args=(ctx.settings.basemap,), name="warm-map", daemon=True).start()
    typer.echo(f"Signaal triage UI on http://{host}:{port}/ (indices {ctx.prefix}-*)")
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)


def _warm_map(basemap) -> None:
    """Decode the map boundaries once, off the request path (a missing file is reported on the map page)."""
    from triage_ui.render.geomap import BasemapMissingError, country_shapes

    with contextlib.suppress(BasemapMissingError):
        country_shapes(basemap)


users_app = typer.Typer(help="Manage triage UI accounts (analyst, investigator, ml, admin).", no_args_is_help=True)


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="analyst | investigator | ml | admin")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create an account (password prompted, or read from stdin)."""
    from triage_ui.security.passwords import WeakPasswordError
    from triage_ui.store.users import UserError, add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(_context(), name, role, password)
    except (UserError, WeakPasswordError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"added {name} ({role})")


@users_app.command("disable")
def users_disable(name: str) -> None:
    """Disable an account and end all its sessions."""
    from triage_ui.store.users import UserError, set_disabled

    try:
        set_disabled(_context(), name, True)
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"disabled {name}; its sessions are revoked")


@users_app.command("list")
def users_list() -> None:
    """List accounts with role and status."""
    from triage_ui.store.users import list_users

    for user in list_users(_context()):
        typer.echo(f"{user.name:<24} {user.role:<13} {'disabled' if user.disabled else 'active'}")


def register(app: typer.Typer) -> None:
    """Add this part's commands to the ``signaal`` application."""
    app.command("ui")(ui)
    app.add_typer(users_app, name="users")
