"""``signaal link`` and ``signaal related``: build ad networks and explain them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def link_command(
    full: Annotated[bool, typer.Option("--full", help="Rebuild every link and cluster from all ads.")] = False,
    config: Annotated[
        Path | None, typer.Option("--config", help="Linking thresholds (YAML); default: the packaged linking.yaml.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")] = False,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, max=64, help="Processes reading ads and computing their keys (slices)."),
    ] = 1,
) -> None:
    """Link ads sharing a phone, e-mail, handle, photo or near-identical text into clusters.

    Incremental by default: only ads not linked yet or re-indexed since the last run are processed,
    joining or merging existing clusters. Re-running changes nothing.
    """
    from elasticsearch import ApiError, TransportError

    from indexing.slices import SliceError
    from linking.config import ConfigError, load_config
    from linking.run import Parallel, link
    from linking.store import BulkWriteError
    from signaal.es.client import get_client
    from signaal.es.errors import refusal
    from signaal.progress import Progress

    try:
        cfg = load_config(config)
        with Progress("link: reading ads", unit="ads") as progress:

            def on_progress(phase: str, done: int, total: int | None) -> None:
                progress.phase(f"link: {phase}")
                progress.update(done, total)

            report = link(
                get_client(component="linker"), full=full, cfg=cfg, parallel=Parallel(workers, on_progress=on_progress)
            )
    except SliceError as exc:
        raise _fail(f"a linking worker failed: {exc}") from None
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    except BulkWriteError as exc:
        raise _fail(str(exc)) from None
    except ApiError as exc:
        hint = " (run `signaal es init`?)" if exc.meta.status == 404 else ""
        raise _fail(f"{refusal(exc)}{hint}") from None
    except TransportError as exc:
        raise _fail(f"cannot reach Elasticsearch: {exc.message}") from None
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        typer.echo(
            f"{report.mode}: {report.ads_processed} ads processed, {report.ads_updated} updated, "
            f"{report.links} links ({report.links_deleted} removed), {report.clusters} clusters "
            f"({report.clusters_deleted} removed), largest {report.largest_cluster} ads, {report.seconds:.1f}s"
        )


def related_command(
    ad_id: Annotated[str, typer.Argument(help="Ad id, e.g. prikbord:p00012.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show the ads linked to AD_ID and why (shared phone, photo pair and distance, text similarity)."""
    from elasticsearch import ApiError, TransportError

    from linking.explain import UnknownAdError, format_related, related
    from signaal.es.client import get_client
    from signaal.es.errors import refusal

    try:
        result = related(get_client(component="linker"), ad_id)
    except UnknownAdError as exc:
        raise _fail(str(exc)) from None
    except ApiError as exc:
        raise _fail(refusal(exc)) from None
    except TransportError as exc:
        raise _fail(f"cannot reach Elasticsearch: {exc.message}") from None
    typer.echo(json.dumps(result, ensure_ascii=False) if as_json else format_related(result))


def register(app: typer.Typer) -> None:
    """Add ``signaal link`` and ``signaal related`` to the ``signaal`` application."""
    app.command(name="link")(link_command)
    app.command(name="related")(related_command)
