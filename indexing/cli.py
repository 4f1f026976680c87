"""``signaal index`` (scored JSON Lines into Elasticsearch, the crawler's code) and ``signaal rescore``."""

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

    from indexing.indexer import IndexingError, index_ads
    from indexing.jsonl import read_records
    from signaal.es.client import get_client
    from signaal.es.errors import refusal
    from signaal.progress import Progress

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
    # the total is unknown for a stream: the progress shows ads done and the rate
    try:
        with Progress("index", unit="ads") as progress:
            report = index_ads(
                get_client(component="indexer"),
                read_records(stream, on_error),
                dead_letter_path=dead_letter,
                chunk_size=chunk_size,
                refresh=refresh,
                on_chunk=lambda r: progress.update(r.indexed + r.failed),
            )
    except IndexingError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        typer.secho(f"before stopping: {exc.report.summary()}", err=True)
        raise typer.Exit(1) from None
    except ApiError as exc:
        typer.secho(f"error: {refusal(exc)}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    typer.echo(report.summary() + (f", malformed lines {malformed}" if malformed else ""))
    if report.dead_lettered and dead_letter:
        typer.echo(f"rejected ads written to {dead_letter}")
    if malformed or report.failed:
        raise typer.Exit(1)


def rescore_command(
    page_size: Annotated[int, typer.Option(min=10, max=5000)] = 500,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Processes, each rescoring one slice of the index.")
    ] = 1,
) -> None:
    """Rescore every ad in <prefix>-ads with the promoted model (resumable: rerun after an interruption)."""
    from elasticsearch import ApiError, TransportError

    from indexing.rescore import pending_count, rescore
    from indexing.slices import SliceError
    from models.registry import RegistryError
    from models.scoring import default_scorer
    from nlp.version import analysis_version
    from signaal.es.client import get_client
    from signaal.progress import Progress
    from signaal.settings import get_settings

    prefix = get_settings().index_prefix
    try:
        es = get_client(component="indexer")
        scorer = default_scorer()
        total = pending_count(es, prefix, scorer.model_version, analysis_version())
        with Progress("rescore", total=total, unit="ads") as progress:
            report = rescore(
                es,
                prefix,
                scorer=scorer,
                page_size=page_size,
                workers=workers,
                on_page=lambda r: progress.update(r.scanned),
            )
    except RegistryError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    except (ApiError, TransportError, SliceError) as exc:
        typer.secho(f"error: Elasticsearch: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    typer.echo(
        f"rescored with {report.model_version}: {report.updated} updated, {report.failed} failed, "
        f"{report.reanalyzed} re-analyzed"
    )
    if report.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``signaal index`` and ``signaal rescore`` to the ``signaal`` application."""
    app.command(name="index")(index_command)
    app.command(name="rescore")(rescore_command)
