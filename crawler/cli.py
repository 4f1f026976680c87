"""``signaal crawl``, ``signaal evidence verify|keygen`` and ``signaal sites list|check``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

EXIT_STOPPED, EXIT_LAYOUT_CHANGED, EXIT_LEASE_HELD = 3, 4, 5
sites_app = typer.Typer(help="Site configurations (crawler/sites/*.yaml).", no_args_is_help=True)
evidence_app = typer.Typer(
    help="WARC evidence: verify files and signatures, manage the signing key.", no_args_is_help=True
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def crawl(
    site: Annotated[str, typer.Argument(help="Site id (crawler/sites/<site>.yaml) or a path to a site YAML.")],
    terms: Annotated[
        list[str] | None,
        typer.Option("--terms", help="Search with this term list (repeatable); default: the site's search.term_lists."),
    ] = None,
    no_search: Annotated[bool, typer.Option("--no-search", help="Listing pages only, no term searches.")] = False,
    no_listing: Annotated[bool, typer.Option("--no-listing", help="Term searches only.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write scored ads to this JSON Lines file.")] = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Do not index into Elasticsearch.")] = False,
    no_score: Annotated[bool, typer.Option("--no-score", help="Skip analyze+score (raw crawl records).")] = False,
    max_ads: Annotated[int | None, typer.Option("--max-ads", min=1, help="Stop discovering after N ads.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Override the site's base_url (origin); also SIGNAAL_SITE_<SITE>_URL."),
    ] = None,
    state_dir: Annotated[
        Path | None, typer.Option("--state-dir", help="Crawl state (default var/crawl-state).")
    ] = None,
    evidence_dir: Annotated[
        Path | None, typer.Option("--evidence-dir", help="WARC files (default var/evidence).")
    ] = None,
    spool_dir: Annotated[Path | None, typer.Option("--spool-dir", help="Index spool (default var/spool).")] = None,
    setting: Annotated[list[str] | None, typer.Option("--set", help="Scrapy/SIGNAAL_* setting NAME=VALUE.")] = None,
    log_level: Annotated[str, typer.Option("--log-level")] = "INFO",
) -> None:
    """Crawl one site: listing and search pages, then every ad; resumes an interrupted run.

    Prints a JSON summary on stdout. Exit code 0 when the run finished (failed pages are
    logged and counted), 3 when it stopped early (re-run to resume), 4 when the site's layout
    changed (its selectors match nothing; fix the site YAML and re-run), 5 when the site is being
    crawled already (by this machine or another crawl node), 2 on a usage error.
    """
    from crawler.config import ConfigError, load_site, site_term_lists
    from crawler.lease import LeaseHeldError
    from crawler.runner import CrawlOptions, run_crawl
    from crawler.runreport import record_run
    from crawler.site_settings import setting_overrides
    from crawler.state import LAYOUT_CHANGED

    if no_index and not out:
        typer.secho("note: --no-index without --out keeps ads only in the crawl state store", err=True)
    try:
        cfg = load_site(site, base_url=base_url)
        term_lists = site_term_lists(cfg, terms, no_search)
        overrides = setting_overrides(setting)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    if no_listing and not term_lists:
        raise _fail("--no-listing needs search terms (--terms LIST)")
    opts = CrawlOptions(
        term_lists=term_lists,
        listing=not no_listing,
        out=out,
        index=not no_index,
        score=not no_score,
        max_ads=max_ads,
        state_dir=state_dir,
        evidence_dir=evidence_dir,
        spool_dir=spool_dir,
        log_level=log_level.upper(),
        overrides=overrides,
    )
    try:
        stats = run_crawl(cfg, opts)
    except LeaseHeldError as exc:
        raise _fail(str(exc), EXIT_LEASE_HELD) from None
    summary = {k.removeprefix("signaal/summary/"): v for k, v in stats.items() if k.startswith("signaal/summary/")}
    summary.update(
        site=cfg.site,
        finish_reason=stats.get("finish_reason"),
        finished=bool(stats.get("signaal/run/finished")),
        resumed=bool(stats.get("signaal/run/resumed")),
        failed=stats.get("signaal/run/failed", 0),
        pending=stats.get("signaal/run/pending", 0),
        errors={k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("signaal/crawl/errors/")},
        versions={k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("signaal/versions/")},
        run_id=stats.get("signaal/run/id"),
        status=stats.get("signaal/run/status"),
        stop_reason=stats.get("signaal/run/stop_reason"),
        listing_stops={k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("signaal/crawl/listing_stop/")},
        robots_txt="obeyed" if cfg.robots_txt.obey else f"ignored: {cfg.robots_txt.reason}",
        image_errors={k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("signaal/images/errors/")},
        images_fetched=stats.get("signaal/images/fetched", 0),
        images_known=stats.get("signaal/images/known", 0),
        image_cpu_s=round(stats.get("signaal/images/cpu_s", 0.0), 3),
        memory_peak_mb=stats.get("signaal/memory/peak_mb"),
        browser_launches=stats.get("playwright/browser_count", 0),
        indexed=stats.get("signaal/index/ads", 0),
        spool_files_left=stats.get("signaal/index/spool_files_left", 0),
        elapsed_s=stats.get("signaal/elapsed_s"),
    )
    typer.echo(json.dumps(summary, sort_keys=True))
    if opts.index:
        problem = record_run(summary)
        if problem:
            typer.secho(problem, err=True)
    if summary["status"] == LAYOUT_CHANGED:
        typer.secho(f"{cfg.site}: {summary['stop_reason']}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_LAYOUT_CHANGED)
    if not summary["finished"]:
        raise typer.Exit(EXIT_STOPPED)


@sites_app.command("list")
def sites_list() -> None:
    """List configured sites with their render mode and base URL."""
    from crawler.config import ConfigError, list_sites, load_site

    for name in list_sites():
        try:
            cfg = load_site(name)
            typer.echo(f"{name}\t{cfg.render}\t{cfg.base_url}\t{'search' if cfg.search else '-'}")
        except ConfigError as exc:
            typer.echo(f"{name}\tINVALID\t{exc}")


@sites_app.command("status")
def sites_status(
    sites: Annotated[list[str] | None, typer.Argument(help="Site ids; default all.")] = None,
    state_dir: Annotated[
        Path | None, typer.Option("--state-dir", help="Crawl state (default var/crawl-state).")
    ] = None,
) -> None:
    """How each site's last crawl ended: finished, stopped (re-run to resume) or site layout changed."""
    from crawler.config import list_sites
    from crawler.state import FINISHED, LAYOUT_CHANGED, StateStore
    from signaal.paths import var_dir

    directory = state_dir or var_dir() / "crawl-state"
    for name in sites or list_sites():
        path = directory / f"{name}.sqlite"
        if not path.exists():
            typer.echo(f"{name}\tnever crawled")
            continue
        store = StateStore(path)
        try:
            run = store.last_run()
        finally:
            store.close()
        if run is None:
            typer.echo(f"{name}\tnever crawled")
            continue
        status = (run["status"] or "running or killed").replace("_", " ")
        status = "site layout changed" if run["status"] == LAYOUT_CHANGED else status
        reason = f"\t{run['stop_reason']}" if run["stop_reason"] and run["status"] != FINISHED else ""
        typer.echo(f"{name}\trun {run['id']}\tstarted {run['started_at']}\t{status}{reason}")


@sites_app.command("check")
def sites_check(
    paths: Annotated[list[str] | None, typer.Argument(help="Site ids or YAML paths; default all.")] = None,
) -> None:
    """Validate site configs (and the term lists they name); exit 1 on the first invalid file."""
    from crawler.config import ConfigError, list_sites, load_site, load_terms

    bad = 0
    for name in paths or list_sites():
        try:
            cfg = load_site(name)
            for terms in cfg.search.term_lists if cfg.search else []:
                load_terms(terms)
            typer.echo(f"ok\t{name}")
        except ConfigError as exc:
            typer.secho(str(exc), err=True, fg=typer.colors.RED)
            bad += 1
    if bad:
        raise typer.Exit(1)


@evidence_app.command("keygen")
def evidence_keygen(
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace an existing key (old manifests then need the old public key)."),
    ] = False,
) -> None:
    """Create the installation's Ed25519 signing key under var/keys (SIGNAAL_KEY_DIR)."""
    from crawler.evidence import signing

    try:
        path = signing.generate_key(force=force)
    except FileExistsError as exc:
        raise _fail(f"{exc} (use --force to replace it)", 1) from None
    typer.echo(f"private key {path} (mode 0600); public key {path.with_name(signing.PUBLIC_NAME)}")


@evidence_app.command("verify")
def evidence_verify(
    target: Annotated[
        str | None,
        typer.Argument(
            help="A WARC file, an ad id (site:ad), a WARC record id, or "
            "nothing for every WARC file in the evidence directory."
        ),
    ] = None,
    evidence_dir: Annotated[Path | None, typer.Option("--evidence-dir")] = None,
    state_dir: Annotated[Path | None, typer.Option("--state-dir")] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="PEM public key (default: the installation's).")
    ] = None,
) -> None:
    """Re-read and re-hash WARC evidence; check manifests and signatures.

    Exit 0 when everything checks out, 1 when a file is altered, truncated, missing or unsigned,
    2 on a usage error.
    """
    from crawler.evidence.verify import run_verify

    code = run_verify(target, evidence_dir=evidence_dir, state_dir=state_dir, public_key=public_key, echo=typer.echo)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add this part's commands to the ``signaal`` application."""
    app.command("crawl")(crawl)
    app.add_typer(sites_app, name="sites")
    app.add_typer(evidence_app, name="evidence")
