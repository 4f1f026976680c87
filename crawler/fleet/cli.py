"""``signaal schedule``: crawl sites on Scrapyd nodes, one node per site at a time; ``--status`` shows them."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def schedule_command(
    sites: Annotated[
        list[str] | None,
        typer.Argument(
            help="Site ids (crawler/sites/<site>.yaml); with --due/--loop default: every site with recrawl_every."
        ),
    ] = None,
    terms: Annotated[
        list[str] | None,
        typer.Option(
            "--terms", help="Search with this term list (repeatable); default: each site's search.term_lists."
        ),
    ] = None,
    no_search: Annotated[bool, typer.Option("--no-search", help="Listing pages only, no term searches.")] = False,
    due: Annotated[
        bool,
        typer.Option("--due", help="One pass that starts only what is due (recrawl, resume, lost node): for cron."),
    ] = False,
    loop: Annotated[
        float | None,
        typer.Option("--loop", min=1.0, help="Run a --due pass every this many seconds, until interrupted."),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Keep passing (resuming sites lost with a node) until none of the sites runs."),
    ] = False,
    timeout: Annotated[float, typer.Option(help="Give up --wait after this many seconds.", min=1.0)] = 24 * 3600.0,
    status: Annotated[bool, typer.Option("--status", help="Show nodes and sites; start nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --status: JSON instead of a table.")] = False,
    setting: Annotated[
        list[str] | None, typer.Option("--set", help="Scrapy/SIGNAAL_* setting NAME=VALUE for the crawls.")
    ] = None,
) -> None:
    """Give each site to a Scrapyd node (deploying the current code and config there first if needed).

    A site is crawled by one node at a time and never started while it runs; a site whose node died
    is started on another node and resumes from the shared crawl state. Nodes: SIGNAAL_SCRAPYD_URLS,
    else the ones `signaal nodes up` started. Exit code 0, 1 when --wait ends with a site not finished,
    2 on a usage or config error, 3 when no node answers.
    """
    from datetime import UTC, datetime

    from crawler.config import ConfigError, list_sites, load_site, site_term_lists
    from crawler.fleet.egg import EggBuildError, build_egg
    from crawler.fleet.nodes import node_urls
    from crawler.fleet.scheduler import BUSY, START, NoNodeError, Scheduler
    from crawler.fleet.status import known_sites, render, status_rows
    from crawler.site_settings import setting_overrides
    from signaal.paths import crawl_dir, var_dir
    from signaal.progress import Progress

    state_dir = crawl_dir("SIGNAAL_STATE_DIR")
    urls = node_urls()
    if status:
        from crawler.fleet.scheduler import look_at_node

        nodes = {u: look_at_node(u) for u in urls}
        rows = status_rows(state_dir, sites or known_sites(state_dir), nodes, datetime.now(UTC))
        if as_json:
            doc = {
                "nodes": [{"url": n.url, "reachable": n.reachable, "running": len(n.running)} for n in nodes.values()],
                "sites": [r.as_dict() for r in rows],
            }
            typer.echo(json.dumps(doc))
        else:
            typer.echo(render(rows, nodes))
        return
    periodic = due or loop is not None
    if not sites and not periodic:
        raise _fail("name the sites to crawl, or use --due / --loop for every site with recrawl_every")
    try:
        overrides = setting_overrides(setting)
        configs = [load_site(s) for s in sites or list_sites()]
        if not sites:
            configs = [c for c in configs if c.recrawl_every is not None]
        term_names = {c.site: [t.name for t in site_term_lists(c, terms, no_search)] for c in configs}
        egg = build_egg(var_dir() / "scrapyd" / "eggs")
    except (ConfigError, EggBuildError) as exc:
        raise _fail(str(exc)) from None
    scheduler = Scheduler(state_dir, urls, egg, overrides)

    def one_pass(requested: bool) -> list:
        outcomes = scheduler.run(configs, term_names, requested=requested)
        for o in outcomes:
            where = f"\t{o.node}\tjob {o.job}" if o.node else ""
            typer.echo(f"{o.site}\t{o.action}{where}\t({o.reason})")
        return outcomes

    try:
        outcomes = one_pass(requested=not periodic)
        if loop is not None:
            while True:  # a service: a pass that finds no node answering is reported, and the next one tries again
                time.sleep(loop)
                try:
                    one_pass(requested=False)
                except NoNodeError as exc:
                    typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        if not wait:
            return
        started = time.monotonic()
        names = [c.site for c in configs]
        with Progress("schedule: crawling", unit="ads", every_s=10.0) as progress:
            while any(o.action in (BUSY, START) for o in outcomes):
                if time.monotonic() - started > timeout:
                    raise _fail(f"sites still running after {timeout:.0f} s", 1)
                time.sleep(2.0)
                nodes = scheduler.nodes()
                rows = status_rows(state_dir, names, nodes, datetime.now(UTC))
                progress.update(sum(r.ads or 0 for r in rows))
                outcomes = scheduler.run(configs, term_names, requested=False)
                for o in outcomes:
                    if o.action == START:
                        typer.echo(f"{o.site}\t{o.action}\t{o.node}\tjob {o.job}\t({o.reason})")
    except NoNodeError as exc:
        raise _fail(str(exc), 3) from None
    rows = status_rows(state_dir, names, scheduler.nodes(), datetime.now(UTC))
    for r in rows:
        typer.echo(f"{r.site}\t{r.state}\t{r.ads if r.ads is not None else '-'} ads\t{r.node}")
    if any(r.state != "finished" for r in rows):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``signaal schedule`` to the ``signaal`` application."""
    app.command(name="schedule")(schedule_command)
