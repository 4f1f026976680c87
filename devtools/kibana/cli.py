"""``signaal kibana export`` and ``signaal kibana push``: the overview dashboard as saved objects."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

kibana_app = typer.Typer(
    help="Kibana saved objects: a data view on the ads alias and an overview dashboard.", no_args_is_help=True
)


def _objects_ndjson() -> str:
    from devtools.kibana.objects import saved_objects, to_ndjson
    from signaal.settings import get_settings

    return to_ndjson(saved_objects(get_settings().index_prefix))


@kibana_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="Write the NDJSON here ('-' = stdout).")],
) -> None:
    """Write the saved objects (data view, visualisations, dashboard) as NDJSON for Kibana's import."""
    text = _objects_ndjson()
    if str(out) == "-":
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.secho(f"error: cannot write {out}: {exc.strerror}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {text.count(chr(10))} saved objects to {out}")


@kibana_app.command("push")
def push_command(
    url: Annotated[str, typer.Option("--url", help="Kibana base URL, e.g. http://127.0.0.1:5601.")],
    space: Annotated[str | None, typer.Option("--space", help="Kibana space id (default space if omitted).")] = None,
) -> None:
    """Import the saved objects into Kibana (overwriting earlier versions).

    Authenticates with $SIGNAAL_KIBANA_API_KEY when set, else as the ``admin`` component's Elasticsearch user.
    """
    from devtools.kibana.push import KibanaPushError, push_ndjson
    from signaal.es.credentials import resolve_credentials
    from signaal.es.errors import EsSetupError
    from signaal.settings import get_settings

    if not url.startswith(("http://", "https://")):
        typer.secho(f"error: --url must start with http:// or https:// (got {url!r})", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    try:
        admin = resolve_credentials(get_settings(), "admin")
        basic_auth = (admin.username, admin.password) if admin and admin.username and admin.password else None
        result = push_ndjson(
            url,
            _objects_ndjson(),
            space=space,
            api_key=os.environ.get("SIGNAAL_KIBANA_API_KEY") or (admin.api_key if admin else None),
            basic_auth=basic_auth,
        )
    except (KibanaPushError, EsSetupError) as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    typer.echo(
        f"imported {result.get('successCount', 0)} saved objects into {url}" + (f" (space {space})" if space else "")
    )


def register(app: typer.Typer) -> None:
    """Add ``signaal kibana export|push`` to the ``signaal`` application."""
    app.add_typer(kibana_app, name="kibana")
