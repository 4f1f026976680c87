"""Commands of the models part: score (offline analyze + score), train, evaluate, registry, label queue,
indicator report.

Heavy imports (spaCy, scikit-learn, skops, elasticsearch) happen inside the command
bodies so ``signaal --help`` stays fast (docs/ARCHITECTURE.md, "CLI").
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

DataOpt = Annotated[Path | None, typer.Option("--data", help="Labelled JSON Lines (labels: {minor, trafficking}).")]
FromEsOpt = Annotated[
    bool, typer.Option("--from-es", help="Use analyst decisions in <prefix>-decisions joined with <prefix>-ads.")
]
SourceOpt = Annotated[
    str | None, typer.Option("--source", help="How the provenance names the data (default: the file or index).")
]
SyntheticOpt = Annotated[
    bool,
    typer.Option("--synthetic", help="The labels are generated (fixture generator), not analysts': say so everywhere."),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
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
    from models.scorefile import run

    try:
        src = sys.stdin if in_ == "-" else Path(in_).open(encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    except OSError as exc:
        typer.secho(f"signaal: cannot read {in_}: {exc.strerror}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    try:
        dst = sys.stdout.buffer if out == "-" else Path(out).open("wb")  # noqa: SIM115
    except OSError as exc:
        typer.secho(f"signaal: cannot write {out}: {exc.strerror}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None

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


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn problems a user can cause into one line and a non-zero exit."""
    from elasticsearch import ApiError, TransportError

    from models.data_io import DataError
    from models.registry import RegistryError

    try:
        yield
    except (DataError, RegistryError, ValueError) as exc:  # ValueError includes nlp.accepted.ProposalError
        raise _fail(str(exc)) from None
    except (ApiError, TransportError) as exc:
        raise _fail(f"Elasticsearch: {exc}") from None


def _es() -> Any:
    from signaal.es.client import get_client

    return get_client(component="ml")


def _prefix() -> str:
    from signaal.settings import get_settings

    return get_settings().index_prefix


def _load_records(data: Path | None, from_es: bool) -> tuple[list[dict[str, Any]], str]:
    """Labelled records and where they came from (a file's as written: callers run ``ensure_analyzed``)."""
    from models.data_io import load_es, read_labelled

    if (data is None) == (not from_es):
        raise _fail("give exactly one of --data FILE or --from-es")
    if data is not None:
        return read_labelled(data), str(data)
    return load_es(_es(), _prefix()), f"Elasticsearch {_prefix()}-decisions"


def _registry() -> Any:
    from models.registry import Registry

    return Registry.default()


def train_cmd(
    data: DataOpt = None,
    from_es: FromEsOpt = False,
    split: Annotated[str, typer.Option(help="group (by shared contacts/cluster) or time (newest held out).")] = "group",
    test_fraction: Annotated[float, typer.Option(min=0.05, max=0.9)] = 0.25,
    seed: int = 0,
    classifier: Annotated[str, typer.Option(help="auto (choose by measurement), logreg or sgd.")] = "auto",
    promote: Annotated[bool, typer.Option("--promote", help="Promote the new version right away.")] = False,
    synthetic: SyntheticOpt = False,
    source_name: SourceOpt = None,
    reuse: Annotated[
        bool, typer.Option("--reuse", help="If a version was trained on exactly these labels, use it, don't retrain.")
    ] = False,
) -> None:
    """Train a risk model on labelled ads, evaluate it against the rules baseline and register it.

    The held-out report (metrics, PR and calibration plots) is written next to the model
    (var/models/<version>/report/), where the ML page shows it.
    """
    with _user_errors():
        from models.data_io import ensure_analyzed, fingerprint
        from models.training import model_card, train, train_steps, write_training_report
        from signaal.progress import Progress

        if split not in ("group", "time"):
            raise _fail("--split must be group or time")
        records, source = _load_records(data, from_es)
        source = source_name or source
        registry = _registry()
        version = registry.with_fingerprint(fingerprint(records)) if reuse else None
        if version is not None:
            typer.echo(f"reusing {version}: it was trained on exactly these labels")
        else:
            records = ensure_analyzed(records)
            with Progress("train", total=train_steps(classifier), unit="steps", every_s=0.0) as progress:

                def on_step(step: str) -> None:
                    progress.phase(f"train: {step}")
                    progress.advance()

                result = train(
                    records,
                    split_method=split,
                    test_fraction=test_fraction,
                    seed=seed,
                    classifier=classifier,
                    on_step=on_step,
                )
            version = registry.register(
                result.artifact,
                metrics=result.metrics,
                settings=result.settings,
                fingerprint=result.fingerprint,
                card=model_card(result, source, synthetic),
                source=source,
                synthetic=synthetic,
            )
            write_training_report(result, registry.report_dir(version), version)
            s = result.metrics["summary"]
            typer.echo(
                f"registered {version} ({result.settings['classifier']}, {result.metrics['n_train']} train / "
                f"{result.metrics['n_test']} held-out{', synthetic labels' if synthetic else ''}): AP minor "
                f"{s['minor_ap']} (rules {s['baseline_minor_ap']}), trafficking {s['trafficking_ap']} "
                f"(rules {s['baseline_trafficking_ap']})"
            )
        if promote and registry.promoted() != version:
            registry.promote(version)
            typer.echo(f"promoted {version}")


def evaluate_cmd(
    data: DataOpt = None,
    from_es: FromEsOpt = False,
    version: Annotated[str | None, typer.Option(help="Registry version (default: promoted, else latest).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Report directory (report.md + PNGs); default: the version's report/.")
    ] = None,
    ablation: Annotated[bool, typer.Option(help="Also fit the leakage ablation row.")] = True,
) -> None:
    """Write an evaluation report: baseline vs model vs leakage ablation on the held-out split."""
    with _user_errors():
        from models.data_io import ensure_analyzed
        from models.training import evaluate

        registry = _registry()
        versions = registry.versions()
        version = version or registry.promoted() or (versions[-1]["version"] if versions else None)
        if version is None:
            raise _fail("no model in the registry; run `signaal train` first")
        records, _ = _load_records(data, from_es)
        scorer = registry.load(version)
        path = evaluate(ensure_analyzed(records), scorer, out or registry.report_dir(version), ablation=ablation)
        typer.echo(f"wrote {path}")


models_app = typer.Typer(help="Model registry: list, show, promote, rollback.", no_args_is_help=True)


@models_app.command("list")
def models_list() -> None:
    """List registered versions (* = promoted)."""
    with _user_errors():
        registry = _registry()
        versions = registry.versions()
        if not versions:
            typer.echo("no models registered; scoring uses the rules baseline")
            return
        for v in versions:
            s = v.get("summary", {})
            mark = "*" if v["promoted"] else " "
            typer.echo(
                f"{mark} {v['version']}  {v['created_at']}  AP minor {s.get('minor_ap')}  "
                f"trafficking {s.get('trafficking_ap')}  data {v['fingerprint'][:12]}"
                + ("  [synthetic labels]" if v.get("synthetic") else "")
            )
        if registry.promoted() is None:
            typer.echo("(none promoted: scoring uses the rules baseline)")


@models_app.command("show")
def models_show(version: str) -> None:
    """Print a version's model card."""
    with _user_errors():
        registry = _registry()
        registry.entry(version)
        typer.echo((registry.root / version / "card.md").read_text(encoding="utf-8"))


@models_app.command("promote")
def models_promote(version: str) -> None:
    """Make VERSION the model `signaal score`, the crawler and rescoring use."""
    with _user_errors():
        _registry().promote(version)
        typer.echo(f"promoted {version}; run `signaal rescore` to update the index")


@models_app.command("rollback")
def models_rollback() -> None:
    """Return to the previously promoted version (or the rules baseline)."""
    with _user_errors():
        target = _registry().rollback()
        typer.echo(f"rolled back to {target or 'the rules baseline'}")


def label_queue_cmd(
    n: Annotated[int, typer.Option("--n", min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
) -> None:
    """List undecided ads the promoted model is least sure about (label these first)."""
    with _user_errors():
        from models.active_learning import label_queue

        for row in label_queue(_es(), _prefix(), n):
            if as_json:
                typer.echo(json.dumps(row, ensure_ascii=False))
            else:
                r = row["risk"]
                typer.echo(
                    f"{row['uncertainty']:.3f}  minor {r.get('minor', 0):.2f}  "
                    f"trafficking {r.get('trafficking', 0):.2f}  {row['id']}"
                )


def indicator_report_cmd(
    data: DataOpt = None,
    from_es: FromEsOpt = False,
    target: Annotated[str, typer.Option(help="any, minor or trafficking.")] = "any",
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
) -> None:
    """Per indicator code: leads vs not, precision, lift over the base rate, Wilson 95% CI."""
    with _user_errors():
        from models.data_io import ensure_analyzed
        from models.indicator_report import indicator_report

        if target not in ("any", "minor", "trafficking"):
            raise _fail("--target must be any, minor or trafficking")
        records, _ = _load_records(data, from_es)
        rows = indicator_report(ensure_analyzed(records), target)
        if as_json:
            for row in rows:
                typer.echo(json.dumps(row))
            return
        typer.echo(
            f"{'code':26} {'ads':>6} {'leads':>6} {'precision':>9} {'95% CI':>15} {'lift':>6} "
            f"{'weight':>6} {'suggest':>7}"
        )
        for r in rows:
            ci = f"{r['ci_low']:.2f}-{r['ci_high']:.2f}"
            typer.echo(
                f"{r['code']:26} {r['ads']:6d} {r['leads']:6d} {r['precision']:9.3f} {ci:>15} "
                f"{r['lift']:6.2f} {r['rules_weight'] if r['rules_weight'] is not None else '-':>6} "
                f"{r['suggested_weight']:7.2f}"
            )
        if rows:
            typer.echo(f"base rate of leads: {rows[0]['base_rate']:.3f} over the judged ads")


def calibrate_cmd(
    data: DataOpt = None,
    from_es: FromEsOpt = False,
    synthetic: SyntheticOpt = False,
    source_name: SourceOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to write (default: the calibration in use, SIGNAAL_RULES_CALIBRATION).")
    ] = None,
    seed: int = 0,
    test_fraction: Annotated[float, typer.Option(min=0.05, max=0.9)] = 0.25,
) -> None:
    """Fit the rules baseline's calibration (evidence -> probability) on labelled ads, with its provenance."""
    with _user_errors():
        from models.calibration import fit_calibration, write_calibration
        from models.config import calibration_file
        from models.data_io import ensure_analyzed

        records, source = _load_records(data, from_es)
        source = source_name or source
        document = fit_calibration(
            ensure_analyzed(records), source=source, synthetic=synthetic, seed=seed, test_fraction=test_fraction
        )
        path = write_calibration(document, out or calibration_file())
        typer.echo(f"wrote {path}")
        for target, fit in document["targets"].items():
            h = document["provenance"]["held_out"][target]
            typer.echo(
                f"  {target}: intercept {fit['intercept']}, slope {fit['slope']}; held-out Brier "
                f"{h['brier_raw']} -> {h['brier_calibrated']}, no-signal ads: predicted {h['no_signal_predicted']}, "
                f"observed {h['no_signal_observed_rate']}"
            )


def suggestions_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document instead of tables.")] = False,
) -> None:
    """New phrasings analysts' leads over-represent that no rule covers, and rules analysts keep rejecting."""
    with _user_errors():
        from models.suggestions import suggestions

        found = suggestions(_es(), _prefix())
        if as_json:
            typer.echo(json.dumps(found, ensure_ascii=False))
            return
        typer.echo(f"{found['decided']} decided ads, {found['leads']} leads")
        typer.echo(f"\nnew phrasings ({len(found['phrasings'])}):")
        typer.echo(f"  {'phrasing':32} {'evidence':28} {'ads':>5} {'pos':>5} {'prec':>6} {'lift':>6}  code")
        for r in found["phrasings"]:
            typer.echo(
                f"  {r['phrasing'][:32]:32} {r['evidence'][:28]:28} {r['ads']:5d} {r['positives']:5d} "
                f"{r['precision']:6.2f} {r['lift']:6.2f}  {r['suggested_code'] or '-'}"
            )
        typer.echo(f"\nweak rules ({len(found['weak_rules'])}):")
        typer.echo(f"  {'code':26} {'phrasing':28} {'ads':>5} {'no':>5} {'prec':>6} {'lift':>6} {'weight':>6}")
        for r in found["weak_rules"]:
            typer.echo(
                f"  {r['code']:26} {r['phrasing'][:28]:28} {r['ads']:5d} {r['negatives']:5d} "
                f"{r['precision']:6.2f} {r['lift']:6.2f} {r['weight']:6.2f}"
            )


COMMANDS: dict[str, Callable[..., None]] = {
    "score": score_cmd,
    "train": train_cmd,
    "evaluate": evaluate_cmd,
    "label-queue": label_queue_cmd,
    "indicator-report": indicator_report_cmd,
    "calibrate": calibrate_cmd,
    "suggestions": suggestions_cmd,
}


def register(app: typer.Typer) -> None:
    """Add this part's commands to the ``signaal`` application."""
    for name, func in COMMANDS.items():
        app.command(name)(func)
    app.add_typer(models_app, name="models")
