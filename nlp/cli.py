"""``signaal score`` (offline analyze + score of JSON Lines) and ``signaal nlp evaluate``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

nlp_app = typer.Typer(help="NLP pipeline: evaluation against the fixture generator.", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"signaal: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def score_cmd(
    in_: Annotated[str, typer.Option("--in", help="Ads as JSON Lines; '-' for stdin.")],
    out: Annotated[str, typer.Option("--out", help="Scored ads as JSON Lines; '-' for stdout.")],
) -> None:
    """Analyze and score ads offline (no Elasticsearch, no network): one output line per input line.

    A malformed line is reported on stderr with its line number and answered
    with {"id": <id or null>, "error": "..."}; the other lines are still
    scored, and the exit code is 1 when any line failed.
    """
    from nlp.scorefile import run

    try:
        src = sys.stdin if in_ == "-" else Path(in_).open(encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    except OSError as exc:
        raise _fail(f"cannot read {in_}: {exc.strerror}") from None
    try:
        dst = sys.stdout.buffer if out == "-" else Path(out).open("wb")  # noqa: SIM115
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror}") from None

    def report(message: str) -> None:
        typer.echo(f"signaal score: {message}", err=True)

    try:
        stats = run(src, dst, on_error=report)
    finally:
        if src is not sys.stdin:
            src.close()
        if out != "-":
            dst.close()
        else:
            dst.flush()
    if stats.failed:
        typer.echo(f"signaal score: {stats.failed} of {stats.lines} lines failed", err=True)
        raise typer.Exit(1)


@nlp_app.command("evaluate")
def evaluate_cmd(
    seed: Annotated[int, typer.Option("--seed", help="Fixture generator seed.")] = 7,
    n_ads: Annotated[int, typer.Option("--n-ads", min=1, help="Number of generated ads.")] = 600,
    epoch: Annotated[int, typer.Option("--epoch", min=1, help="Generator epoch (2+ adds edited ads).")] = 1,
    show_errors: Annotated[int, typer.Option("--show-errors", min=0, help="Print up to N ads with mistakes.")] = 0,
) -> None:
    """Precision, recall and F1 per entity type and indicator code against the generator's truth."""
    import json

    from nlp.evaluate import evaluate, format_report
    from signaal.demo_sites import generate

    corpus = generate(seed=seed, n_ads=n_ads, epoch=epoch)
    report = evaluate(corpus.ads, corpus.truth, keep_errors=show_errors)
    typer.echo(format_report(report))
    for error in report.errors:
        typer.echo(json.dumps(error, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add ``score`` and the ``nlp`` group to the ``signaal`` application."""
    app.command("score")(score_cmd)
    app.add_typer(nlp_app, name="nlp")
