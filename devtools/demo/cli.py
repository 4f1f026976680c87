"""`signaal demo`: the whole chain on local fixture sites, ending in the triage UI."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command("demo")
    def demo(
        seed: Annotated[int, typer.Option(help="Fixture generator seed.")] = 7,
        n_ads: Annotated[int, typer.Option(help="Number of synthetic ads across both sites.")] = 600,
        ui_port: Annotated[int, typer.Option(help="Port of the triage UI.")] = 8800,
        prikbord_port: Annotated[int, typer.Option(help="Port of the server-rendered site (0: any free).")] = 8701,
        vitrine_port: Annotated[int, typer.Option(help="Port of the JavaScript site (0: any free).")] = 8702,
        no_ui: Annotated[bool, typer.Option("--no-ui", help="Stop after the summary.")] = False,
    ) -> None:
        """Provision Elasticsearch, serve fixture sites, crawl, score, index, link, create accounts, serve the UI."""
        from devtools.demo.run import DemoOptions, run_demo
        from devtools.demo.stages import StageError

        try:
            run_demo(
                DemoOptions(
                    seed=seed,
                    n_ads=n_ads,
                    ui_port=ui_port,
                    prikbord_port=prikbord_port,
                    vitrine_port=vitrine_port,
                    serve_ui=not no_ui,
                )
            )
        except StageError as exc:
            typer.secho(f"error: {exc}", err=True, fg="red")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("stopped")
