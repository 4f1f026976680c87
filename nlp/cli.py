"""``signaal nlp evaluate``: precision, recall and F1 of the NLP on any labelled corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

nlp_app = typer.Typer(help="NLP pipeline: evaluation against labelled corpora.", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"signaal: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@nlp_app.command("evaluate")
def evaluate_cmd(
    corpus: Annotated[
        Path,
        typer.Option(
            "--corpus",
            help="Labelled ads: a JSON Lines file whose lines carry a `truth` block, or a directory with "
            "ads.jsonl + truth.jsonl (`signaal demo-sites generate --out DIR`).",
        ),
    ],
    show_errors: Annotated[int, typer.Option("--show-errors", min=0, help="Print up to N ads with mistakes.")] = 0,
) -> None:
    """Precision, recall and F1 per entity type and indicator code against a labelled corpus."""
    from nlp.evaluate import CorpusError, evaluate, format_report, load_corpus

    try:
        ads, truth = load_corpus(corpus)
    except CorpusError as exc:
        raise _fail(str(exc)) from None
    report = evaluate(ads, truth, keep_errors=show_errors)
    typer.echo(format_report(report))
    for error in report.errors:
        typer.echo(json.dumps(error, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add the ``nlp`` group to the ``signaal`` application."""
    app.add_typer(nlp_app, name="nlp")
