"""`signaal ui` and `signaal users ...`: run the triage UI and manage its accounts."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _context(*, serving: bool = False):
    """UIContext for CLI use; settings errors become one-line messages.

    Account commands hash passwords but never use the UI secret, so only ``serving`` (``signaal ui``)
    insists on it; the others run with a throw-away one when it is not set.
    """
    import secrets

    from pydantic import ValidationError

    from signaal.es.client import get_client
    from signaal.settings import get_settings
    from triage_ui.config import UISettings, get_ui_settings
    from triage_ui.context import UIContext
    from triage_ui.store.indices import ensure_ui_indices

    try:
        settings = get_ui_settings()
    except ValidationError as exc:
        if serving:
            raise _fail(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        settings = UISettings(secret_key=secrets.token_urlsafe(32))
    es = get_client(component="ui")
    prefix = get_settings().index_prefix
    try:
        ensure_ui_indices(es, prefix)
    except Exception as exc:  # connection refused, setup error: one line, no traceback
        raise _fail(f"cannot prepare Elasticsearch indices at {get_settings().effective_es_url}: {exc}") from None
    return UIContext(es=es, prefix=prefix, settings=settings)


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def ui(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8800,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes behind the one port.")] = 1,
    dev: Annotated[
        bool, typer.Option("--dev", help="Development: plain-http cookies, the built-in secret allowed.")
    ] = False,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM certificate: serve https directly.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key of --tls-cert.")] = None,
) -> None:
    """Serve the triage UI (FastAPI) for analysts, investigators, ML staff and admins.

    Production rules unless --dev: a random SIGNAAL_UI_SECRET_KEY of 32+ characters, Secure
    ``__Host-`` cookies, HSTS. Behind a TLS proxy list it in SIGNAAL_UI_TRUSTED_PROXIES.
    """
    import uvicorn

    if dev:  # before any settings are read; inherited by every worker process
        os.environ["SIGNAAL_UI_ENVIRONMENT"] = "development"
    if (tls_cert is None) != (tls_key is None):
        raise _fail("--tls-cert and --tls-key go together")
    ctx = _context(serving=True)
    if not ctx.settings.is_dev and host not in LOOPBACK and tls_cert is None and not ctx.settings.trusted_proxies:
        raise _fail(
            "serving beyond loopback needs TLS: --tls-cert/--tls-key, or a TLS proxy in SIGNAAL_UI_TRUSTED_PROXIES"
        )
    scheme = "https" if tls_cert else "http"
    mode = "development" if ctx.settings.is_dev else "production"
    typer.echo(f"Signaal triage UI on {scheme}://{host}:{port}/ ({mode}, {workers} worker(s), indices {ctx.prefix}-*)")
    uvicorn.run(
        "triage_ui.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
        server_header=False,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
    )


users_app = typer.Typer(help="Manage triage UI accounts (analyst, investigator, ml, admin).", no_args_is_help=True)


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="analyst | investigator | ml | admin")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create an account (password prompted, or read from stdin); it chooses its own password at first login."""
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


@users_app.command("reset-mfa")
def users_reset_mfa(name: str) -> None:
    """Forget an account's second factor (lost phone and codes): it enrols again at its next login."""
    from triage_ui.store.users import UserError, reset_mfa

    try:
        reset_mfa(_context(), name)
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"second factor of {name} reset; it enrols again at the next login, its sessions are revoked")


@users_app.command("list")
def users_list() -> None:
    """List accounts with role and status."""
    from triage_ui.store.users import list_users, mfa_status

    for user in list_users(_context()):
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.name:<24} {user.role:<13} {state:<9} second factor: {mfa_status(user)}")


def register(app: typer.Typer) -> None:
    """Add this part's commands to the ``signaal`` application."""
    app.command("ui")(ui)
    app.add_typer(users_app, name="users")
