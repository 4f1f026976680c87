"""``signaal es``: provision a local Elasticsearch and apply es_mappings/ to it.

Every problem a user can cause or fix ends in one line on stderr and exit code 1.
Heavy imports stay inside the commands so ``signaal --help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer

es_app = typer.Typer(
    help="Local Elasticsearch: fetch, up, down, status, init (mappings), reindex.", no_args_is_help=True
)

PortOpt = Annotated[int | None, typer.Option("--port", help="HTTP port (default SIGNAAL_ES_PORT or 9200).")]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _one_line_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn setup errors and unreachable clusters into one-line messages."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from elasticsearch import ApiError
        from elasticsearch import ConnectionError as EsConnectionError

        from signaal.es.errors import EsSetupError
        from signaal.settings import get_settings

        try:
            return func(*args, **kwargs)
        except EsSetupError as exc:
            raise _fail(str(exc)) from None
        except EsConnectionError:
            url = get_settings().effective_es_url
            raise _fail(f"cannot reach Elasticsearch at {url}; start it with `signaal es up`") from None
        except ApiError as exc:
            raise _fail(f"Elasticsearch refused the request: {exc.message} ({exc.meta.status})") from None

    return wrapper


def _node_state_file() -> Path:
    from devtools.es_node.distribution import es_root

    return es_root() / "node.json"


def _default_node(port: int | None = None, heap: str | None = None):
    """The ``signaal es up`` node under var/es/node; remembers the port and heap it was started with."""
    from devtools.es_node.distribution import es_root, es_version
    from devtools.es_node.node import LocalElasticsearch
    from signaal.settings import get_settings

    state: dict[str, Any] = {}
    if _node_state_file().is_file():
        state = json.loads(_node_state_file().read_text())
    return LocalElasticsearch(
        home=es_root() / "dist" / f"elasticsearch-{es_version()}",
        base_dir=es_root() / "node",
        port=port or state.get("port") or get_settings().es_port,
        heap=heap or state.get("heap") or "2g",
    )


@es_app.command()
@_one_line_errors
def fetch() -> None:
    """Download Elasticsearch through Maven (cached) and unpack it under var/es/ (no server started)."""
    from devtools.es_node.distribution import ensure_distribution

    typer.echo(f"Elasticsearch ready to run from {ensure_distribution()}")


@es_app.command()
@_one_line_errors
def up(
    port: PortOpt = None,
    heap: Annotated[str | None, typer.Option(help="JVM heap, e.g. 2g (default 2g).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a healthy node.")] = 180.0,
) -> None:
    """Start a single-node Elasticsearch on 127.0.0.1 in the background and wait until it is healthy."""
    from devtools.es_node.node import http_json
    from signaal.settings import get_settings

    settings = get_settings()
    if settings.uses_external_cluster:
        health = http_json(f"{settings.es_url.rstrip('/')}/_cluster/health")
        if not health:
            raise _fail(f"SIGNAAL_ES_URL={settings.es_url} does not answer; nothing is provisioned when it is set")
        typer.echo(f"using existing cluster {settings.es_url} (status {health.get('status')}); nothing provisioned")
        return
    from devtools.es_node.distribution import ensure_distribution

    running = _default_node()  # the node a previous `up` recorded, whatever --port says now
    if running.pid() and running.healthy():
        typer.echo(f"Elasticsearch already running at {running.url} (pid {running.pid()})")
        return
    node = _default_node(port, heap)
    node.home = ensure_distribution()
    seconds = node.start(timeout=timeout)
    _node_state_file().write_text(json.dumps({"port": node.port, "heap": node.heap}))
    typer.echo(f"Elasticsearch healthy at {node.url} after {seconds:.1f}s (pid {node.pid()}, heap {node.heap})")
    if node.port != settings.es_port:
        typer.echo(f"note: other commands need SIGNAAL_ES_PORT={node.port} (or SIGNAAL_ES_URL={node.url})")


@es_app.command()
@_one_line_errors
def down() -> None:
    """Stop the node `signaal es up` started (SIGTERM, then SIGKILL after 30 s)."""
    node = _default_node()
    if node.stop():
        typer.echo(f"Elasticsearch at {node.url} stopped")
    else:
        typer.echo("no Elasticsearch started by `signaal es up` is running")


@es_app.command()
@_one_line_errors
def status() -> None:
    """Health, version, this prefix's indices with doc counts, and their aliases."""
    from signaal.es.client import get_client
    from signaal.settings import get_settings

    settings = get_settings()
    es = get_client(request_timeout=10, max_retries=0)
    health = es.cluster.health()
    nodes = es.nodes.info(filter_path="nodes.*.version").body.get("nodes", {})
    versions = sorted({n.get("version", "?") for n in nodes.values()})
    typer.echo(
        f"cluster {health['cluster_name']} at {settings.effective_es_url}: {health['status']}, "
        f"{health['number_of_nodes']} node(s), version {', '.join(versions)}"
    )
    pattern = f"{settings.index_prefix}-*"
    indices = es.cat.indices(index=pattern, format="json", h="index,health,docs.count,store.size", s="index")
    aliases: dict[str, list[str]] = {}
    for row in es.cat.aliases(name=pattern, format="json", h="alias,index,is_write_index"):
        aliases.setdefault(row["index"], []).append(row["alias"] + ("*" if row["is_write_index"] == "true" else ""))
    if not indices:
        typer.echo(f"no indices with prefix {settings.index_prefix!r}; run `signaal es init`")
        return
    typer.echo(f"{'index':40} {'health':7} {'docs':>10} {'size':>9}  aliases (* = write)")
    for row in indices:
        typer.echo(
            f"{row['index']:40} {row['health']:7} {row['docs.count']:>10} {row['store.size']:>9}  "
            f"{', '.join(aliases.get(row['index'], []))}"
        )


@es_app.command()
@_one_line_errors
def init() -> None:
    """Apply es_mappings/ idempotently: templates, aliased versioned indices, additive mapping updates."""
    from signaal.es.client import get_client
    from signaal.es.mappings import apply_mappings
    from signaal.settings import get_settings

    prefix = get_settings().index_prefix
    for kind, outcome in apply_mappings(get_client(), prefix).items():
        typer.echo(f"{kind:16} {outcome}")


@es_app.command()
@_one_line_errors
def reindex(
    kind: Annotated[str, typer.Argument(help="Kind from es_mappings/ (file name).")] = "ads",
    delete_old: Annotated[bool, typer.Option("--delete-old", help="Delete the old index after the swap.")] = False,
) -> None:
    """Build a new versioned index from the current template, copy everything, swap the alias atomically."""
    from signaal.es.client import get_client
    from signaal.es.reindex import reindex_kind
    from signaal.settings import get_settings

    result = reindex_kind(get_client(request_timeout=300), get_settings().index_prefix, kind, keep_old=not delete_old)
    how = "server-side _reindex" if result.server_side else "client-side scan+bulk"
    typer.echo(
        f"{result.kind}: copied {result.copied} docs {', '.join(result.old_indices)} -> {result.new_index} "
        f"({how}); alias swapped; old index {'deleted' if result.deleted_old else 'kept'}"
    )


def register(app: typer.Typer) -> None:
    """Add ``signaal es ...`` to the ``signaal`` application."""
    app.add_typer(es_app, name="es")
