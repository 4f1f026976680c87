"""``signaal es``: provision a local Elasticsearch (one node or a cluster) and apply es_mappings/ to it.

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
    help="Local Elasticsearch: fetch, up, down, status, init (mappings), reindex, security.", no_args_is_help=True
)
security_app = typer.Typer(help="Users, roles and credentials of each component.", no_args_is_help=True)

PortOpt = Annotated[int | None, typer.Option("--port", help="HTTP port on each node's address (default 9200).")]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _one_line_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn setup errors, refused credentials and unreachable clusters into one-line messages."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from elasticsearch import ApiError, AuthenticationException
        from elasticsearch import ConnectionError as EsConnectionError

        from signaal.es.errors import EsSetupError, refusal
        from signaal.settings import get_settings

        try:
            return func(*args, **kwargs)
        except EsSetupError as exc:
            raise _fail(str(exc)) from None
        except EsConnectionError:
            url = get_settings().effective_es_url
            raise _fail(f"cannot reach Elasticsearch at {url}; start it with `signaal es up`") from None
        except AuthenticationException:
            url = get_settings().effective_es_url
            raise _fail(
                f"Elasticsearch at {url} refused the credentials (see docs/elasticsearch.md, Security)"
            ) from None
        except ApiError as exc:
            raise _fail(refusal(exc)) from None

    return wrapper


def _local_cluster(port: int | None = None, heap: str | None = None, nodes: int | None = None, tls: bool | None = None):
    """The ``signaal es up`` cluster under var/es as recorded (first time: SIGNAAL_ES_PORT), these options winning."""
    from devtools.es_node.cluster import STATE_FILE, LocalCluster
    from devtools.es_node.distribution import es_version
    from signaal.paths import local_es_dir
    from signaal.settings import get_settings

    root = local_es_dir()
    if port is None and not (root / STATE_FILE).is_file():
        port = get_settings().es_port
    home = root / "dist" / f"elasticsearch-{es_version()}"
    return LocalCluster.recorded(home, root, nodes=nodes, port=port, heap=heap, http_tls=tls)


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
    heap: Annotated[str | None, typer.Option(help="JVM heap per node, e.g. 2g (default 2g).")] = None,
    nodes: Annotated[int | None, typer.Option(help="Nodes on 127.0.0.1..N (default 1).", min=1, max=9)] = None,
    tls: Annotated[bool | None, typer.Option("--tls/--no-tls", help="TLS on HTTP (default off).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a healthy cluster.")] = 300.0,
) -> None:
    """Start Elasticsearch (security on) in the background and wait until every node has joined."""
    from signaal.settings import get_settings

    settings = get_settings()
    if settings.uses_external_cluster:
        if not any(_answers(url, settings.ca_certs) for url in settings.es_hosts):
            raise _fail(f"SIGNAAL_ES_URL={settings.es_url} does not answer; nothing is provisioned when it is set")
        typer.echo(f"using existing cluster {settings.es_url}; nothing provisioned")
        return
    from devtools.es_node.distribution import ensure_distribution

    running = _local_cluster()  # what a previous `up` recorded, whatever the options say now
    if running.running():
        typer.echo(f"Elasticsearch already running at {', '.join(running.hosts)} ({running.nodes} node(s))")
        return
    if nodes is not None and nodes < running.nodes and any(m.base_dir.is_dir() for m in running.members[1:]):
        raise _fail(
            f"var/es holds a {running.nodes}-node cluster; shrinking it is not supported "
            "(remove var/es/node* to start afresh)"
        )
    ensure_distribution()
    cluster = _local_cluster(port, heap, nodes, tls)
    seconds = cluster.start(timeout=timeout)
    cluster.record()
    typer.echo(
        f"Elasticsearch healthy at {', '.join(cluster.hosts)} after {seconds:.1f}s "
        f"({cluster.nodes} node(s), heap {cluster.heap} each, security on, TLS on HTTP {_yes(cluster.http_tls)})"
    )
    typer.echo(f"credentials of each component in {cluster.credentials_dir}/ (mode 0600)")
    missing = cluster.members[0].missing_dictionaries
    if missing:
        typer.echo(
            f"note: no Hunspell dictionaries for {', '.join(missing)} in /usr/share/hunspell: Dutch/English search "
            "without stemming (apt-get install hunspell-nl hunspell-en-us, then `signaal es down && signaal es up`)"
        )


def _answers(url: str, ca_certs: Path | None) -> bool:
    """An external cluster answers when it returns anything, even 401 to our anonymous probe."""
    import ssl
    import urllib.error
    import urllib.request

    context = ssl.create_default_context(cafile=str(ca_certs)) if ca_certs else None
    try:
        urllib.request.urlopen(f"{url.rstrip('/')}/_cluster/health", timeout=5, context=context)  # noqa: S310
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False
    return True


def _yes(flag: bool) -> str:
    return "on" if flag else "off"


@es_app.command()
@_one_line_errors
def down() -> None:
    """Stop the nodes `signaal es up` started (SIGTERM, then SIGKILL after 30 s each)."""
    cluster = _local_cluster()
    if cluster.stop():
        typer.echo(f"Elasticsearch at {', '.join(cluster.hosts)} stopped")
    else:
        typer.echo("no Elasticsearch started by `signaal es up` is running")


@es_app.command()
@_one_line_errors
def status() -> None:
    """Health, nodes, shards, security, text analysis, and this prefix's indices with doc counts and aliases."""
    from elasticsearch import ApiError

    from signaal.es.analysis import detect_variant
    from signaal.es.client import get_client
    from signaal.es.mappings import TEXT_ANALYSIS_META
    from signaal.settings import get_settings

    settings = get_settings()
    es = get_client(component="admin", request_timeout=10, max_retries=0)
    health = es.cluster.health()
    nodes = es.cat.nodes(format="json", h="name,ip,master,version", s="name")
    typer.echo(
        f"cluster {health['cluster_name']} at {settings.effective_es_url}: {health['status']}, "
        f"version {', '.join(sorted({n['version'] for n in nodes}))}"
    )
    typer.echo(
        f"nodes: {health['number_of_nodes']} ("
        + ", ".join(f"{n['name']} {n['ip']}{' master' if n['master'] == '*' else ''}" for n in nodes)
        + ")"
    )
    typer.echo(
        f"shards: {health['active_shards']} active ({health['active_primary_shards']} primary), "
        f"{health['initializing_shards']} initializing, {health['relocating_shards']} relocating, "
        f"{health['unassigned_shards']} unassigned"
    )
    try:
        who = es.security.authenticate()
        typer.echo(f"security: on, connected as {who['username']} (roles {', '.join(who['roles'])})")
    except ApiError:
        typer.echo("security: not enabled on this cluster")
    variant = detect_variant(es)
    ads = settings.alias("ads")
    in_use = "no ads index yet"
    if es.indices.exists_alias(name=ads):
        meta = next(iter(es.indices.get_mapping(index=ads).body.values()))["mappings"].get("_meta", {})
        in_use = f"{ads} uses {meta.get(TEXT_ANALYSIS_META, 'plain')}"
    needs = ", ".join((*variant.hunspell_locales, *variant.analyzers)) or "server core only"
    typer.echo(f"text analysis: {variant.name} available ({needs}); {in_use}")
    _print_indices(es, settings.index_prefix)


def _print_indices(es: Any, prefix: str) -> None:
    pattern = f"{prefix}-*"
    indices = es.cat.indices(index=pattern, format="json", h="index,health,pri,rep,docs.count,store.size", s="index")
    aliases: dict[str, list[str]] = {}
    for row in es.cat.aliases(name=pattern, format="json", h="alias,index,is_write_index"):
        aliases.setdefault(row["index"], []).append(row["alias"] + ("*" if row["is_write_index"] == "true" else ""))
    if not indices:
        typer.echo(f"no indices with prefix {prefix!r}; run `signaal es init`")
        return
    typer.echo(f"{'index':40} {'health':7} {'shards':>7} {'docs':>10} {'size':>9}  aliases (* = write)")
    for row in indices:
        typer.echo(
            f"{row['index']:40} {row['health']:7} {row['pri'] + 'x' + str(int(row['rep']) + 1):>7} "
            f"{row['docs.count']:>10} {row['store.size']:>9}  {', '.join(aliases.get(row['index'], []))}"
        )


@es_app.command()
@_one_line_errors
def init() -> None:
    """Apply es_mappings/ idempotently: templates sized for this cluster, aliased indices, additive updates."""
    from signaal.es.client import get_client
    from signaal.es.mappings import apply_mappings
    from signaal.settings import get_settings

    prefix = get_settings().index_prefix
    for kind, outcome in apply_mappings(get_client(component="admin"), prefix).items():
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

    es = get_client(component="admin", request_timeout=300)
    result = reindex_kind(es, get_settings().index_prefix, kind, keep_old=not delete_old)
    how = "server-side _reindex" if result.server_side else "client-side scan+bulk"
    typer.echo(
        f"{result.kind}: copied {result.copied} docs {', '.join(result.old_indices)} -> {result.new_index} "
        f"({how}); alias swapped; old index {'deleted' if result.deleted_old else 'kept'}"
    )


@security_app.command("show")
@_one_line_errors
def security_show() -> None:
    """Each component: its user, role, what it is for, and whether its credential file exists (no secrets)."""
    from devtools.es_node.security import load_model
    from signaal.es.credentials import credentials_file
    from signaal.settings import get_settings

    directory = get_settings().credentials_dir
    typer.echo(f"credential files in {directory or '(none: SIGNAAL_ES_URL without SIGNAAL_ES_CREDENTIALS_DIR)'}")
    for component in load_model().components.values():
        present = directory is not None and credentials_file(directory, component.name).is_file()
        typer.echo(
            f"{component.name:10} {component.user:18} {component.role:18} {'file' if present else 'no file':8} "
            f"{component.used_by}"
        )


@security_app.command("rotate")
@_one_line_errors
def security_rotate(
    components: Annotated[list[str] | None, typer.Argument(help="Components (default: all).")] = None,
) -> None:
    """New passwords for the local cluster's users; running nodes reload them, restart the processes using them."""
    from devtools.es_node.security import load_model
    from signaal.settings import get_settings

    if get_settings().uses_external_cluster:
        raise _fail("rotate manages the local cluster's users; on another cluster change them with its security API")
    cluster = _local_cluster()
    for component, outcome in cluster.rotate(tuple(components or load_model().components)).items():
        typer.echo(f"{component:10} {outcome}")


@security_app.command("roles")
@_one_line_errors
def security_roles() -> None:
    """Print the role descriptors as JSON, to create the same roles on another cluster (PUT _security/role/NAME)."""
    from devtools.es_node.security import role_descriptors

    typer.echo(json.dumps(role_descriptors(), indent=2))


def register(app: typer.Typer) -> None:
    """Add ``signaal es ...`` to the ``signaal`` application."""
    es_app.add_typer(security_app, name="security")
    app.add_typer(es_app, name="es")
