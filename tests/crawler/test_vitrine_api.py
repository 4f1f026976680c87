"""JSON-API site mode: vitrine read through /api/ads with JSONPath selectors, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.pipelines.normalize import posted_at_utc
from devtools.fixture_sites import start_sites
from tests.crawler.helpers import photo_recorded

pytestmark = pytest.mark.slow

# Two 500s then the ad, and a valid ad followed by garbage: both must end as complete ads.
FAULTS = {
    "vitrine": {
        "/api/ads/v00003": {"kind": "http_500", "times": 2},
        "/api/ads/v00009": {"kind": "malformed"},
    }
}


def _warc_payload(root: Path, warc_file: str, record_id: str) -> tuple[str, bytes]:
    """(Content-Type, payload) of one WARC record, read back from the evidence file."""
    path = Path(warc_file) if Path(warc_file).is_absolute() else root / "evidence" / warc_file
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                return record.http_headers.get_header("Content-Type"), record.content_stream().read()
    raise AssertionError(f"record {record_id} not in {path}")


def test_every_vitrine_ad_read_from_the_json_api(workspace):
    with start_sites(seed=5, n_ads=90, faults=FAULTS) as sites:
        result = workspace.crawl("vitrine-api", sites.vitrine_url, "--no-score")
        log = sites.request_log
    assert result.code == 0, result.stderr[-3000:]
    assert result.summary["finished"] and result.summary["failed"] == 0
    rows = workspace.rows()
    truth = {ad["site_ad_id"]: ad for ad in sites.corpus.site_ads("vitrine")}
    ids = [row["id"] for row in rows]
    # Ids are scoped to the configured site: the same ad read through the browser is vitrine:<id>.
    assert set(ids) == {f"vitrine-api:{sid}" for sid in truth} and len(ids) == len(set(ids))
    for row in rows:
        ad = truth[row["crawl"]["site_ad_id"]]
        assert (row["title"], row["body"], row["city"], row["posted_at"]) == (
            ad["title"],
            ad["body"],
            ad["city"],
            posted_at_utc(ad["posted_at"]),  # the site's time, in the record format
        )
        assert row["url"].endswith(f"/api/ads/{ad['site_ad_id']}")
        # Images come from the JSON's site-relative paths, through the image pipeline, with hashes and evidence.
        assert [img["url"].rsplit("/", 1)[1] for img in row["images"]] == [u.rsplit("/", 1)[1] for u in ad["images"]]
        assert all(photo_recorded(img) for img in row["images"])
        assert all(img.get("warc_record_id") for img in row["images"])

    # The JSON response itself is the evidence record of the ad.
    sample = rows[0]
    content_type, payload = _warc_payload(
        workspace.root, sample["evidence"]["warc_file"], sample["evidence"]["record_id"]
    )
    assert content_type.startswith("application/json")
    assert json.loads(payload)["id"] == sample["crawl"]["site_ad_id"]
    assert workspace.signaal("evidence", "verify").returncode == 0

    # Pages followed from the JSON page count, no request past the last page; no browser; the 500s retried.
    listing_pages = {rec.path for rec in log if rec.path.startswith("/api/ads?")}
    last = -(-len(truth) // 20)  # 20 ads per API page
    assert last >= 2 and listing_pages == {f"/api/ads?page={n}" for n in range(1, last + 1)}
    assert sum(1 for rec in log if rec.path == "/api/ads/v00003") == 3
    assert not any(rec.path.startswith(("/static/", "/ad/")) for rec in log)
    assert result.summary["browser_launches"] == 0
