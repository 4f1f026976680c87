"""`signaal demo`: Elasticsearch, a first model, fixture sites, crawl, score, index, link, accounts, UI — in one go.

The first model is trained on the fixture generator's labels (another seed than
the sites serve) and registered as synthetic, so a new user sees the whole loop
on the ML page: registry, the model's held-out report with its plots, a label
queue of calibrated doubt, and suggestions mined from a share of the ads decided
from ground truth (as ``demo-truth``, see ``devtools/demo/decisions.py``).

Re-running is safe and quick: Elasticsearch is reused when it is up, mappings are
applied idempotently, the model trained on the same labels is reused, the crawler
resumes from its state store and upserts by ad id, linking is incremental,
decided ads and existing accounts are left alone.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

from devtools.demo.decisions import DECIDER, seed_decisions
from devtools.demo.stages import StageLog, last_json_line
from devtools.fixture_sites import start_sites
from models.registry import Registry
from signaal.es.client import get_client
from signaal.paths import var_dir
from signaal.settings import get_settings

DEMO_ROLES = ("analyst", "investigator", "ml", "admin")
FIXTURE_SITES = ("prikbord", "vitrine")


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 7
    n_ads: int = 600
    prikbord_port: int = 8701
    vitrine_port: int = 8702
    ui_host: str = "127.0.0.1"
    ui_port: int = 8800
    serve_ui: bool = True
    training_seed: int = 1007  # not the sites' seed: the model never saw the ads it scores
    training_ads: int = 2000


def ensure_accounts(log: StageLog) -> dict[str, str]:
    """Create one demo account per role; return the new ones' passwords (existing ones are not touched)."""
    existing = {line.split()[0] for line in log.run("accounts", ["users", "list"]).splitlines() if line.strip()}
    created: dict[str, str] = {}
    for role in DEMO_ROLES:
        name = f"demo-{role}"
        if name in existing:
            continue
        password = secrets.token_urlsafe(15)
        log.run("accounts", ["users", "add", name, "--role", role, "--password-stdin"], stdin=password + "\n")
        created[name] = password
    return created


def ensure_ui_secret() -> None:
    """The UI's secret for the demo: ``SIGNAAL_UI_SECRET_KEY`` if set, else one made once in var/ (mode 0600).

    The UI runs with production rules (it refuses a default secret); a persistent secret keeps the
    demo accounts' enrolled second factors readable across re-runs.
    """
    if os.environ.get("SIGNAAL_UI_SECRET_KEY"):
        return
    path = var_dir() / "ui-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    os.environ["SIGNAAL_UI_SECRET_KEY"] = path.read_text().strip()


def index_summary() -> dict[str, Any]:
    """Counts an analyst cares about: ads, flagged ads, clusters, and per site."""
    settings = get_settings()
    es = get_client(component="admin")  # the operator who ran `es init`: refreshes, then only reads
    ads = settings.alias("ads")
    es.indices.refresh(index=ads)
    resp = es.search(
        index=ads,
        size=0,
        track_total_hits=True,
        aggs={
            "sites": {"terms": {"field": "site"}},
            "flagged": {"filter": {"exists": {"field": "indicator_codes"}}},
            "high": {"filter": {"range": {"priority": {"gte": 0.5}}}},
        },
    )
    clusters = es.count(index=settings.alias("clusters"))["count"]
    aggs = resp["aggregations"]
    return {
        "ads": resp["hits"]["total"]["value"],
        "by_site": {b["key"]: b["doc_count"] for b in aggs["sites"]["buckets"]},
        "with_indicators": aggs["flagged"]["doc_count"],
        "priority_ge_0_5": aggs["high"]["doc_count"],
        "clusters": clusters,
    }


def train_first_model(options: DemoOptions, log: StageLog) -> str:
    """Train (or reuse) and promote a model on the generator's labels, registered as synthetic; return its version."""
    folder = var_dir() / "demo" / f"training-s{options.training_seed}-n{options.training_ads}"
    seed, n = str(options.training_seed), str(options.training_ads)
    log.run("training data", ["demo-sites", "generate", "--out", str(folder), "--seed", seed, "--n-ads", n])
    source = f"fixture generator, seed {seed}, {n} ads (ground truth, not analysts)"
    args = ["train", "--data", str(folder / "labelled.jsonl"), "--synthetic", "--source", source]
    log.run("first model", [*args, "--classifier", "logreg", "--reuse", "--promote"])
    return str(Registry.default().promoted())


def run_demo(options: DemoOptions) -> None:
    """Run every stage, print a summary, then serve the UI until interrupted."""
    started = time.perf_counter()
    log = StageLog()
    settings = get_settings()
    if not settings.uses_external_cluster:
        log.run("elasticsearch", ["es", "up"])
    log.run("elasticsearch", ["es", "init"])
    model = train_first_model(options, log)
    print(f"==> fixture sites: seed {options.seed}, {options.n_ads} ads", flush=True)
    with start_sites(
        seed=options.seed,
        n_ads=options.n_ads,
        prikbord_port=options.prikbord_port,
        vitrine_port=options.vitrine_port,
    ) as sites:
        if sites.photos_rendered:
            print(f"    {sites.photos_rendered} photos rendered into var/fixture-photos (kept)", flush=True)
        crawls = {}
        for site, url in (("prikbord", sites.prikbord_url), ("vitrine", sites.vitrine_url)):
            out = log.run(f"crawl {site}", ["crawl", site, "--base-url", url], ok_codes=(0, 3))
            crawls[site] = last_json_line(out)
        log.run("link", ["link"])
        log.run("rescore", ["rescore"])  # ads an earlier demo indexed before the model existed
        accounts = ensure_accounts(log)
        decided = seed_decisions(get_client(component="ui"), settings.index_prefix, sites.corpus)
        summary = index_summary() | {"model": model, "decided": decided}
        print_summary(options, summary, crawls, accounts, log, time.perf_counter() - started)
        if options.serve_ui:
            ensure_ui_secret()
            url = f"http://{options.ui_host}:{options.ui_port}/"
            print(f"==> triage UI on {url} (fixture sites stay up; Ctrl-C stops both)", flush=True)
            log.run(
                "ui",
                ["ui", "--host", options.ui_host, "--port", str(options.ui_port)],
                ok_codes=(0, 1, 130),
                capture=False,
            )


def print_summary(
    options: DemoOptions,
    summary: dict[str, Any],
    crawls: dict[str, dict[str, Any]],
    accounts: dict[str, str],
    log: StageLog,
    total_s: float,
) -> None:
    """The closing table: what is in the index, how long each stage took, how to log in."""
    print("\nSignaal demo summary")
    print(f"  Elasticsearch     {get_settings().effective_es_url}")
    print(f"  ads indexed       {summary['ads']}  {summary['by_site']}")
    print(f"  with indicators   {summary['with_indicators']}")
    print(f"  priority >= 0.5   {summary['priority_ge_0_5']}")
    print(f"  clusters          {summary['clusters']}")
    report = Registry.default().report_dir(summary["model"]) / "report.md"
    print(f"  model             {summary['model']} (synthetic labels, promoted); report {report}")
    print(f"  decided now       {summary['decided']} ads from ground truth, as {DECIDER}")
    for site, crawl in crawls.items():
        print(f"  crawl {site:<11} {crawl}")
    print("  seconds per stage")
    for name, seconds in log.seconds.items():
        print(f"    {name:<16} {seconds:7.1f}")
    print(f"    {'total':<16} {total_s:7.1f}")
    if accounts:
        print("  demo accounts (passwords are shown this once; they are stored only as argon2 hashes;")
        print("  at the first login each one sets up an authenticator app and chooses its own password):")
        for name, password in accounts.items():
            print(f"    {name:<20} {password}")
    else:
        print("  demo accounts exist already: demo-analyst, demo-investigator, demo-ml, demo-admin")
    print(f"  triage UI         http://{options.ui_host}:{options.ui_port}/", flush=True)
