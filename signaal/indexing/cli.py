"""``signaal index``: load scored ads (JSON Lines) into Elasticsearch with the same code the crawler uses."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def index_command(
    input_path: Annotated[str, typer.Option("--in", help="Scored ads, JSON Lines ('-' = stdin).")],
    dead_letter: Annotated[
        Path | None, typer.Option("--dead-letter", help="Append ads Elasticsearch rejects here (JSONL).")
    ] = None,
    chunk_size: Annotated[int, typer.Option(help="Ads per bulk request.", min=1)] = 1000,
    refresh: Annotated[bool, typer.Option(help="Refresh the index at the end (searchable at once).")] = True,
) -> None:
    """Upsert scored ads by id: versions kept, first_seen kept, rejected ads dead-lettered.

    Exit code 1 when any line was malformed or any ad was not indexed.
    """
    from elasticsearch import ApiError

    from signaal.es.client import get_client
    from signaal.indexing.indexer import IndexingError, index_ads
    from signaal.indexing.jsonl import read_records

    malformed = 0

    def on_error(number: int, reason: str) -> None:
        nonlocal malformed
        malformed += 1
        typer.secho(f"line {number}: {reason}; skipped", err=True, fg=typer.colors.YELLOW)

    if input_path == "-":
        stream = sys.stdin.buffer
    else:
        try:
            stream = Path(input_path).open("rb")  # noqa: SIM115 (closed below)
        except OSError as exc:
            typer.secho(f"error: cannot read {input_path}: {exc.strerror}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None
    try:
        report = index_ads(
            get_client(),
            read_records(stream, on_error),
            dead_letter_path=dead_letter,
            chunk_size=chunk_size,
            refresh=refresh,
        )
    except IndexingError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        typer.secho(f"before stopping: {exc.report.summary()}", err=True)
        raise typer.Exit(1) from None
    except ApiError as exc:
        typer.secho(f"error: Elasticsearch refused the request: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    typer.echo(report.summary() + (f", malformed lines {malformed}" if malformed else ""))
    if report.dead_lettered and dead_letter:
        typer.echo(f"rejected ads written to {dead_letter}")
    if malformed or report.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``signaal index`` to the ``signaal`` application."""
    app.command(name="index")(index_command)
