"""``signaal demo-sites generate|serve``: the synthetic corpus on disk, and the two fixture sites on 127.0.0.1."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Annotated

import typer

demo_sites_app = typer.Typer(
    help="Synthetic fixture ad sites with ground truth (bland, fictional listings on 127.0.0.1).",
    no_args_is_help=True,
)

SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same corpus.")]
NAdsOpt = Annotated[int, typer.Option("--n-ads", min=1, help="Number of ads at epoch 1 (both sites together).")]
EpochOpt = Annotated[int, typer.Option("--epoch", min=1, help="1 = first crawl; 2 = some ads edited, a few new.")]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(2)


@demo_sites_app.command("generate")
def generate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory for ads.jsonl, truth.jsonl, labelled.jsonl.")],
    seed: SeedOpt = 7,
    n_ads: NAdsOpt = 600,
    epoch: EpochOpt = 1,
) -> None:
    """Write the corpus: ads.jsonl (input of `signaal score`), truth.jsonl and labelled.jsonl."""
    from devtools.fixture_sites import generate

    started = time.perf_counter()
    corpus = generate(seed=seed, n_ads=n_ads, epoch=epoch)
    try:
        paths = corpus.write(out)
    except OSError as exc:
        raise _fail(f"cannot write to {out}: {exc.strerror}") from None
    elapsed = time.perf_counter() - started
    typer.echo(f"{len(corpus)} ads (seed {seed}, epoch {epoch}) in {elapsed:.1f}s:")
    for path in paths.values():
        typer.echo(f"  {path}")


@demo_sites_app.command("serve")
def serve_cmd(
    seed: SeedOpt = 7,
    n_ads: NAdsOpt = 600,
    epoch: EpochOpt = 1,
    prikbord_port: Annotated[int, typer.Option("--prikbord-port", help="Port of the server-rendered site.")] = 8701,
    vitrine_port: Annotated[int, typer.Option("--vitrine-port", help="Port of the JavaScript site.")] = 8702,
    faults: Annotated[
        Path | None, typer.Option("--faults", help="YAML/JSON file: URL path -> fault (see docs/fixture-sites.md).")
    ] = None,
    fault_mode: Annotated[bool, typer.Option("--fault-mode", help="Apply the default fault set.")] = False,
) -> None:
    """Serve both fixture sites on 127.0.0.1 until interrupted (Ctrl-C)."""
    from devtools.fixture_sites.faults import FaultConfigError
    from devtools.fixture_sites.server import RunningSites

    if faults is not None and fault_mode:
        raise _fail("use either --faults FILE or --fault-mode, not both")
    try:
        sites = RunningSites(seed, n_ads, epoch, "default" if fault_mode else faults, prikbord_port, vitrine_port)
    except FaultConfigError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"cannot listen on 127.0.0.1:{prikbord_port}/{vitrine_port}: {exc.strerror}") from None
    # Both signals stop the sites cleanly. SIGINT is set here too, not left to Python's default: a shell
    # without job control (CI, `cmd &` in a script) starts background commands with SIGINT ignored, and
    # Python then installs no KeyboardInterrupt handler, so Ctrl-C or `kill -INT` would do nothing.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        typer.echo(f"prikbord (server-rendered): {sites.prikbord_url}/")
        typer.echo(f"vitrine (JavaScript):       {sites.vitrine_url}/")
        typer.echo(f"{len(sites.corpus)} ads, seed {seed}, epoch {epoch}")
        for site, paths in sites.faults.paths().items():
            if paths:
                typer.echo(f"faults on {site}: {', '.join(paths)}")
        while True:
            signal.pause()
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        sites.stop()


def register(app: typer.Typer) -> None:
    """Add ``signaal demo-sites`` to the ``signaal`` application."""
    app.add_typer(demo_sites_app, name="demo-sites")
