"""Switching a running site to epoch 2: edited ads change, ids stay, new ads appear."""

from __future__ import annotations

import httpx
from parsel import Selector

from devtools.fixture_sites import start_sites
from tests.helpers import DEADLINE_S


def test_set_epoch_serves_edited_text_only_for_edited_ads():
    with start_sites(seed=17, n_ads=300) as sites, httpx.Client(timeout=DEADLINE_S) as client:
        before = {ad["id"]: ad for ad in sites.corpus.ads}
        sites.set_epoch(2)
        assert sites.epoch == 2
        truth = {t["id"]: t for t in sites.corpus.truth}
        edited = [i for i, t in truth.items() if t["edited"]]
        new = set(truth) - set(before)
        assert edited and new
        for ad_id in [*edited, *sorted(set(before) - set(edited))[:10], *new]:
            ad = sites.corpus.ad(ad_id)
            if ad["site"] == "prikbord":
                text = Selector(text=client.get(ad["url"]).text).css("h1.ad-title::text").get()
                body = "\n".join(
                    t.strip("\n") for t in Selector(text=client.get(ad["url"]).text).css("div.ad-body::text").getall()
                )
            else:
                data = client.get(f"{sites.vitrine_url}/api/ads/{ad['site_ad_id']}").json()
                text, body = data["title"], data["text"]
            assert (text, body) == (ad["title"], ad["body"])
            if ad_id in before:
                assert ((text, body) != (before[ad_id]["title"], before[ad_id]["body"])) == (ad_id in edited)
