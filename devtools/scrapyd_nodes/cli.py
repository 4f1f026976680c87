"""``signaal nodes up|down|status``: local Scrapyd crawl nodes on loopback ports (demo, tests, benchmarks)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

nodes_app = typer.Typer(help="Local Scrapyd crawl nodes on 127.0.0.1 (production: SIGNAAL_SCRAPYD_URLS).")


def _recorded() -> list[dict[str, Any]]:
    from crawler.fleet.nodes import local_nodes_file

    path = local_nodes_file()
    return json.loads(path.read_text()).get("nodes", []) if path.is_file() else []


def _local(entry: dict[str, Any]) -> Any:
    from pathlib import Path

    from devtools.scrapyd_nodes.node import LocalScrapyd

    return LocalScrapyd(entry["id"], Path(entry["dir"]), int(entry["port"]))


@nodes_app.command("up")
def up(
    scrapyd: Annotated[int, typer.Option("--scrapyd", min=1, max=16, help="How many Scrapyd nodes.")] = 2,
    port: Annotated[int, typer.Option("--port", help="Port of the first node; the others follow.")] = 6800,
    max_proc: Annotated[int, typer.Option("--max-proc", min=1, help="Crawls one node runs at once.")] = 4,
) -> None:
    """Start N Scrapyd nodes (each its own directory under var/scrapyd/) and wait until each answers."""
    from crawler.fleet.nodes import local_nodes_file
    from devtools.scrapyd_nodes.node import LocalScrapyd, NodeStartError
    from signaal.paths import var_dir

    if _recorded() and any(_local(e).pid() for e in _recorded()):
        typer.secho("local nodes are running already; `signaal nodes down` first", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    base = var_dir()
    entries = []
    for i in range(scrapyd):
        node = LocalScrapyd(f"node-{i + 1}", base / "scrapyd" / f"node-{i + 1}", port + i, max_proc=max_proc)
        try:
            seconds = node.start(base)
        except NodeStartError as exc:
            for entry in entries:
                _local(entry).stop()
            typer.secho(f"error: {str(exc).splitlines()[0]}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None
        entries.append({"id": node.node_id, "url": node.url, "port": node.port, "dir": str(node.base_dir)})
        typer.echo(f"{node.node_id} answering at {node.url} after {seconds:.1f}s (pid {node.pid()})")
    local_nodes_file().write_text(json.dumps({"nodes": entries}, indent=2))
    typer.echo("`signaal schedule SITE...` uses these nodes (SIGNAAL_SCRAPYD_URLS, when set, wins)")


@nodes_app.command("down")
def down() -> None:
    """Stop the local nodes (SIGTERM to each node and its crawls, which stop resumably; SIGKILL after 30 s)."""
    stopped = sum(1 for entry in _recorded() if _local(entry).stop())
    typer.echo(f"{stopped} local node(s) stopped")


@nodes_app.command("status")
def status() -> None:
    """Which local nodes run and answer."""
    from crawler.fleet.nodes import Node

    for entry in _recorded():
        node = _local(entry)
        alive = "answering" if Node(node.url).reachable() else "not answering"
        typer.echo(f"{node.node_id}\t{node.url}\tpid {node.pid() or '-'}\t{alive}")


def register(app: typer.Typer) -> None:
    """Add ``signaal nodes ...`` to the ``signaal`` application."""
    app.add_typer(nodes_app, name="nodes")
