"""Sites that break or trap crawlers, crawled for real over HTTP: pagination traps, a layout change, polite
defaults, robots.txt, and requests that carry only the meta they need."""

from __future__ import annotations

from collections import Counter

import pytest

from devtools.fixture_sites import start_sites
from devtools.fixture_sites.pages import PAGE_SIZE
from tests.crawler.helpers import site_variant

pytestmark = pytest.mark.slow
SEED, N_ADS = 9, 60


def _listing_requests(sites) -> list[str]:
    return [r.path for r in sites.request_log if r.site == "prikbord" and r.path.startswith("/ads")]


@pytest.mark.parametrize(
    ("mode", "stop"), [("empty", "empty_page"), ("repeat", "no_new_entries"), ("loop", "next_seen")]
)
def test_a_pagination_trap_ends_the_listing_with_a_stat(workspace, site_ids, mode, stop):
    faults = {"prikbord": {"/ads": {"kind": "pagination_trap", "mode": mode}}}
    with start_sites(seed=SEED, n_ads=N_ADS, faults=faults) as sites:
        result = workspace.crawl("prikbord", sites.prikbord_url, "--no-score", "--no-search")
        listing = _listing_requests(sites)
        pages = -(-len(sites.corpus.site_ads("prikbord")) // PAGE_SIZE)
    assert result.code == 0, result.stderr[-2000:]
    assert result.summary["finished"] and result.summary["listing_stops"] == {stop: 1}
    assert {r["id"] for r in workspace.rows()} == site_ids(sites.corpus, "prikbord")
    assert len(listing) == pages + (0 if mode == "loop" else 1)  # at most one page past the end


def test_max_listing_pages_caps_a_run(workspace, tmp_path):
    site = site_variant(tmp_path / "sites", "prikbord", limits={"max_listing_pages": 2})
    with start_sites(seed=SEED, n_ads=130) as sites:
        result = workspace.crawl(site, sites.prikbord_url, "--no-score", "--no-search")
        listing = _listing_requests(sites)
    assert result.code == 0, result.stderr[-2000:]
    assert listing == ["/ads?page=1", "/ads?page=2"]
    assert result.summary["listing_stops"] == {"max_listing_pages": 1} and result.summary["ads"] == 2 * PAGE_SIZE
    assert "limits.max_listing_pages" in result.stderr


def test_a_layout_change_stops_with_exit_4_naming_the_selector_and_the_fixed_config_resumes(
    workspace, tmp_path, site_ids
):
    site = site_variant(
        tmp_path / "sites",
        "prikbord",
        limits={"max_consecutive_parse_failures": 4},
        politeness={"concurrency": 2, "autothrottle_target_concurrency": 2},
    )
    faults = {"prikbord": {"/ad/*": {"kind": "changed_layout"}}}
    with start_sites(seed=SEED, n_ads=N_ADS, faults=faults) as sites:
        changed = workspace.crawl(site, sites.prikbord_url, "--no-score", "--no-search")
        details = Counter(r.path for r in sites.request_log if r.path.startswith("/ad/"))
        status = workspace.signaal("sites", "status", "prikbord", "--state-dir", str(workspace.root / "crawl-state"))

        sites.set_faults(None)  # the site keeps its new layout; here the fixture simply serves the old one again
        fixed = workspace.crawl(site, sites.prikbord_url, "--no-score", "--no-search")

    reason = "site layout changed: detail.title (css 'h1.ad-title::text') matched nothing on 4 consecutive detail pages"
    assert changed.code == 4, changed.stderr[-2000:]
    assert changed.stderr.strip().splitlines()[-1] == f"prikbord: {reason}"
    assert changed.summary["status"] == "layout_changed" and changed.summary["stop_reason"] == reason
    assert changed.summary["errors"]["parse"] >= 4 and not changed.summary["finished"]
    assert details and set(details.values()) == {1}  # a parse failure on a complete page is not retried
    assert "site layout changed" in status.stdout and "detail.title" in status.stdout

    assert fixed.code == 0, fixed.stderr[-2000:]
    assert fixed.summary["resumed"] and fixed.summary["finished"] and fixed.summary["status"] == "finished"
    assert {r["id"] for r in workspace.rows()} == site_ids(sites.corpus, "prikbord")


def test_an_empty_start_page_is_a_layout_change_too(workspace, tmp_path):
    site = site_variant(tmp_path / "sites", "prikbord", listing={"entry": "ul.listing > li.advert"})
    with start_sites(seed=SEED, n_ads=N_ADS) as sites:
        result = workspace.crawl(site, sites.prikbord_url, "--no-score", "--no-search")
    assert result.code == 4
    assert result.summary["stop_reason"].startswith(
        "site layout changed: listing.entry (css 'ul.listing > li.advert') matched nothing on the start page"
    )


def test_a_site_without_a_politeness_block_is_crawled_politely(workspace, tmp_path):
    site = site_variant(tmp_path / "sites", "prikbord", politeness=None)
    with start_sites(seed=SEED, n_ads=N_ADS) as sites:
        result = workspace.crawl(site, sites.prikbord_url, "--no-score", "--no-search", "--max-ads", "3")
        peak = sites.peak_in_flight("prikbord")
    assert result.code == 0, result.stderr[-2000:]
    assert result.summary["ads"] == 3 and 1 <= peak <= 2
    assert "prikbord: 2 requests at a time, delay 1.0 s, AutoThrottle target 1; robots.txt obeyed" in result.stderr


def test_robots_txt_is_obeyed_and_ignoring_it_needs_a_reason_that_is_logged(workspace, tmp_path, site_ids):
    faults = {"prikbord": {"/robots.txt": {"kind": "robots_disallow", "paths": ["/ad/p0001"]}}}
    reason = "written permission of the site operator for this test, case T-1"
    ignoring = site_variant(tmp_path / "sites", "prikbord", robots_txt={"obey": False, "reason": reason})
    with start_sites(seed=SEED, n_ads=N_ADS, faults=faults) as sites:
        obeying = workspace.crawl("prikbord", sites.prikbord_url, "--no-score", "--no-search")
        fetched = {r.path for r in sites.request_log}
        disallowed = {i for i in site_ids(sites.corpus, "prikbord") if i.startswith("prikbord:p0001")}
        sites.clear_log()
        ignored = workspace.crawl(ignoring, sites.prikbord_url, "--no-score", "--no-search")
        fetched_again = {r.path for r in sites.request_log}
    assert obeying.code == 0 and obeying.summary["robots_txt"] == "obeyed"
    assert obeying.summary["errors"] == {"robots_txt": len(disallowed)} and len(disallowed) == 10
    assert not {p for p in fetched if p.startswith("/ad/p0001")}
    assert ignored.code == 0 and ignored.summary["robots_txt"] == f"ignored: {reason}"
    assert {p for p in fetched_again if p.startswith("/ad/p0001")} == {f"/ad/{i.split(':')[1]}" for i in disallowed}
    assert f"robots.txt is not obeyed; reason given in the site config: {reason}" in ignored.stderr


def test_retried_pages_carry_no_meta_copied_from_the_response(workspace):
    """A cut-off page is fetched again as a fresh request; Scrapy's MetaCopyDetectionMiddleware stays quiet."""
    with start_sites(seed=SEED, n_ads=N_ADS) as sites:
        newest = f"/ad/{sites.corpus.site_ads('prikbord')[-1]['site_ad_id']}"  # on the first listing page
        sites.set_faults({"prikbord": {newest: {"kind": "truncated"}}})
        result = workspace.crawl("prikbord", sites.prikbord_url, "--no-score", "--no-search", "--max-ads", "5")
        tries = [r for r in sites.request_log if r.path == newest]
    assert result.code == 0 and result.summary["errors"] == {"truncated": 1}
    assert len(tries) == 4  # the first fetch and limits.retries (3) fresh requests
    assert "internal meta keys" not in result.stderr
