"""The archived page viewer on real WARC files from a fixture crawl, against real Elasticsearch.

A crawl of the prikbord fixture site (one page with active and remote content, see crawled.py), of
vitrine through its JSON API, and a re-crawl in epoch 2 (an edited ad gets version 2) fill this module's
prefix and WARC files; the viewer must read every page back from its sealed record.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
import zlib
from contextlib import contextmanager
from html import escape

import pytest
from PIL import Image

from crawler.evidence.warcstore import WarcStore
from crawler.photos import analyze_photo
from devtools.fixture_sites import start_sites
from signaal.evidence.seal import manifest_path
from tests.triage_ui import xss_corpus
from tests.triage_ui.browser import BrowserUser
from tests.triage_ui.conftest import settings_for_tests
from tests.triage_ui.crawled import ACTIVE_AD, EDITED_AD, FAULTS, Crawled
from triage_ui.store import audit

pytestmark = [pytest.mark.es, pytest.mark.slow]
PLAIN_AD = "prikbord:p00001"
RASTER_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}


@pytest.fixture(scope="module")
def sites():
    with start_sites(seed=7, n_ads=40, faults=FAULTS) as running:
        yield running


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, sites, es, index_prefix) -> Crawled:
    done = Crawled(tmp_path_factory.mktemp("var"))
    done.crawl("prikbord", sites.prikbord_url)
    done.crawl("vitrine-api", sites.vitrine_url)
    sites.set_epoch(2)
    done.crawl("prikbord", sites.prikbord_url)
    done.signaal("link")
    es.indices.refresh(index=f"{index_prefix}-*")
    return done


@pytest.fixture(scope="module")
def ui_settings(crawled):
    """This module's app reads the crawl's WARC files and checks them with the crawl's public key."""
    return settings_for_tests(evidence_dir=crawled.evidence_dir, public_key=crawled.public_key)


def _ad(ui_ctx, ad_id: str) -> dict:
    return ui_ctx.es.get(index=ui_ctx.alias("ads"), id=ad_id)["_source"]


@contextmanager
def altered_record(crawled: Crawled, ad: dict):
    """Change a few payload bytes of the ad's page record in its WARC file (same length), then put it back."""
    ev = ad["evidence"]
    warc = crawled.evidence_dir / ev["warc_file"]
    original = warc.read_bytes()
    manifest = manifest_path(warc).read_text()
    entry = next(r for r in json.loads(manifest)["records"] if r["record_id"] == ev["record_id"])
    start, end = entry["offset"], entry["offset"] + entry["length"]
    raw = zlib.decompress(original[start:end], 16 + zlib.MAX_WBITS)
    changed = re.sub(rb"<h1 class=\"ad-title\">(.)", lambda m: m.group(0)[:-1] + b"X", raw, count=1)
    assert changed != raw
    member = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    warc.write_bytes(original[:start] + member.compress(changed) + member.flush() + original[end:])
    try:
        yield
    finally:
        warc.write_bytes(original)


def test_archived_page_is_read_from_its_sealed_record_and_verified(client_for, crawled, ui_ctx):
    ad = _ad(ui_ctx, PLAIN_AD)
    client, _ = client_for("investigator1")
    page = client.get(f"/ads/{PLAIN_AD}/archive")
    assert page.status_code == 200, page.text[:1500]
    assert 'data-check="verified"' in page.text
    assert ad["evidence"]["sha256"] in page.text and escape(ad["evidence"]["record_id"]) in page.text
    assert "WARC-Block-Digest" in page.text and "Content-Type" in page.text  # record and HTTP headers
    assert 'sandbox=""' in page.text and f"/ads/{PLAIN_AD}/archive/frame" in page.text
    frame = client.get(f"/ads/{PLAIN_AD}/archive/frame")
    assert frame.status_code == 200
    csp = frame.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "img-src data:" in csp
    assert "script-src" not in csp and frame.headers["x-frame-options"] == "SAMEORIGIN"
    html = frame.text
    assert ad["title"].split(" ")[0] in html
    photos = len(ad["images"])
    assert len(re.findall(r'src="data:image/(?:png|jpeg|webp|gif);base64,', html)) == photos  # from its own record
    assert not re.search(r'(?<![-\w])(src|href|action)="https?:', html)  # nothing left to fetch or follow
    assert "filter:blur" in html and "filter:blur" not in client.get(f"/ads/{PLAIN_AD}/archive/frame?photos=shown").text
    raw = client.get(f"/ads/{PLAIN_AD}/archive/record")
    assert raw.headers["content-type"].startswith("text/plain") and raw.content.startswith(b"WARC/1.")
    assert raw.headers["x-content-sha256"] == ad["evidence"]["sha256"]
    for index in range(photos):
        image = client.get(f"/ads/{PLAIN_AD}/archive/photos/{index}")
        assert image.status_code == 200 and image.headers["content-type"] in RASTER_TYPES
        assert hashlib.sha256(image.content).hexdigest() == ad["images"][index]["sha256"]


def test_active_and_remote_content_is_listed_as_not_archived(client_for, crawled, sites):
    client, _ = client_for("investigator1")
    page = client.get(f"/ads/{ACTIVE_AD}/archive")
    assert page.status_code == 200, page.text[-3000:]
    assert 'data-check="verified"' in page.text
    for beacon in ("external.js", "remote.png", "frame.html", "form", "refresh", "style.css", "background.png"):
        assert f"{sites.vitrine_url}/beacon/{beacon}" in page.text, beacon
    assert page.text.count("not archived") >= 7
    html = client.get(f"/ads/{ACTIVE_AD}/archive/frame").text
    assert not re.search(r'(?<![-\w])(src|href|action|data)="https?://[^"]*beacon', html)
    assert "http-equiv" not in html and "onerror" not in html and "onload" not in html


def test_each_version_has_its_own_archived_page(client_for, crawled, ui_ctx):
    ad = _ad(ui_ctx, EDITED_AD)
    assert ad["crawl"]["version"] == 2
    old = ui_ctx.es.get(index=ui_ctx.alias("ad-versions"), id=f"{EDITED_AD}:v1")["_source"]["ad"]
    client, _ = client_for("analyst1")
    detail = client.get(f"/ads/{EDITED_AD}").text
    assert f"/ads/{EDITED_AD}/archive?version=1" in detail and f"/ads/{EDITED_AD}/archive" in detail
    v1 = client.get(f"/ads/{EDITED_AD}/archive", params={"version": 1})
    v2 = client.get(f"/ads/{EDITED_AD}/archive", params={"version": 2})
    assert 'data-check="verified"' in v1.text and 'data-check="verified"' in v2.text
    assert old["evidence"]["sha256"] in v1.text and ad["evidence"]["sha256"] in v2.text
    assert old["evidence"]["sha256"] != ad["evidence"]["sha256"]
    assert client.get(f"/ads/{EDITED_AD}/archive", params={"version": 7}).status_code == 404


def test_json_api_pages_are_pretty_printed(client_for, crawled, ui_ctx):
    hits = ui_ctx.es.search(index=ui_ctx.alias("ads"), query={"term": {"site": "vitrine-api"}}, size=1)["hits"]["hits"]
    ad_id = hits[0]["_id"]
    client, _ = client_for("investigator1")
    page = client.get(f"/ads/{ad_id}/archive")
    assert page.status_code == 200 and 'data-check="verified"' in page.text
    pre = page.text.split('<pre class="archive-json">')[1].split("</pre>")[0]
    assert pre.startswith("{\n  &#34;") or pre.startswith('{\n  "')
    assert client.get(f"/ads/{ad_id}/archive/frame").status_code == 404  # JSON is never rendered as a page


def test_altered_warc_record_shows_as_altered(client_for, crawled, ui_ctx):
    ad = _ad(ui_ctx, "prikbord:p00004")
    client, _ = client_for("investigator1")
    assert 'data-check="verified"' in client.get("/ads/prikbord:p00004/archive").text
    with altered_record(crawled, ad):
        page = client.get("/ads/prikbord:p00004/archive")
        assert 'data-check="altered"' in page.text
        assert "does not match its WARC-Block-Digest" in page.text or "differs from the digest" in page.text
    assert 'data-check="verified"' in client.get("/ads/prikbord:p00004/archive").text


def test_a_tampered_manifest_fails_the_signature(client_for, crawled, ui_ctx):
    ad = _ad(ui_ctx, "prikbord:p00005")
    mpath = manifest_path(crawled.evidence_dir / ad["evidence"]["warc_file"])
    original = mpath.read_bytes()
    client, _ = client_for("investigator1")
    try:
        mpath.write_bytes(original.replace(b'"recovered": false', b'"recovered": true '))
        page = client.get("/ads/prikbord:p00005/archive")
        assert 'data-check="altered"' in page.text and "signature does not verify" in page.text
    finally:
        mpath.write_bytes(original)


def test_viewing_is_audited_and_needs_the_permission(client_for, crawled, ui_ctx):
    client, _ = client_for("investigator1")
    client.get(f"/ads/{PLAIN_AD}/archive")
    client.get(f"/ads/{PLAIN_AD}/archive/frame")
    assert client.get(f"/ads/{PLAIN_AD}/archive/photos/0").status_code == 200
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    entries = audit.browse(ui_ctx, user="investigator1", action="view")["hits"]["hits"]
    parts = {e["_source"]["details"].get("part") for e in entries if e["_source"]["target_id"] == PLAIN_AD}
    assert {"viewer", "frame"} <= parts
    # an archived photo is a photo view like the ad page's, so one action filter finds both
    photos = audit.browse(ui_ctx, user="investigator1", action="view_photo", target=PLAIN_AD)["hits"]["hits"]
    assert photos and {e["_source"]["details"]["part"] for e in photos} == {"photo"}
    ml, _ = client_for("mlstaff")
    assert ml.get(f"/ads/{PLAIN_AD}/archive").status_code == 403
    assert ml.get(f"/ads/{PLAIN_AD}/archive/frame").status_code == 403


def _outside(requests: list[str], base_url: str) -> list[str]:
    return [url for url in requests if not url.startswith((base_url, "data:"))]


@pytest.mark.browser
def test_in_chromium_an_archived_page_runs_nothing_and_contacts_nothing(
    browser, base_url, shots, sites, crawled, ui_ctx
):
    session = BrowserUser(browser, base_url, ui_ctx, "investigator1")
    requests: list[str] = []
    session.context.on("request", lambda request: requests.append(request.url))
    sites.clear_log()
    page = session.page
    page.goto(f"/ads/{ACTIVE_AD}")
    page.click("a.archive-link")
    page.wait_for_url(f"**/ads/{ACTIVE_AD}/archive")
    frame = page.frame_locator("iframe.archive-frame")
    frame.locator("h1.ad-title").wait_for()
    assert frame.locator("section.extras form.contact button").count() == 1  # shown, but inert
    assert frame.locator("img[src^='data:image/']").count() >= 1  # its photos, from their records
    page.wait_for_load_state("load")
    frame.locator("form.contact button").click()  # a sandboxed frame without allow-forms submits nothing
    frame.locator("a.js").click()
    archived = next(f for f in page.frames if "/archive/frame" in f.url)
    assert archived.title() != "script ran"
    assert page.locator(".check").first.inner_text().lower() == "verified"
    page.screenshot(path=str(shots / "archive.png"), full_page=True)
    page.goto(f"/ads/{ACTIVE_AD}/archive/record")
    assert "WARC-Record-ID" in page.locator("body").inner_text()
    assert session.dialogs == []
    assert _outside(requests, base_url) == []
    assert [r.path for r in sites.request_log if "/beacon/" in r.path] == []
    session.context.close()


@pytest.mark.browser
def test_in_chromium_an_altered_warc_shows_as_altered(browser, base_url, shots, crawled, ui_ctx):
    session = BrowserUser(browser, base_url, ui_ctx, "analyst1")
    with altered_record(crawled, _ad(ui_ctx, "prikbord:p00006")):
        session.page.goto("/ads/prikbord:p00006/archive")
        assert session.page.locator(".check").first.inner_text().lower() == "altered"
        session.page.screenshot(path=str(shots / "archive-altered.png"))
    session.page.reload()
    assert session.page.locator(".check").first.inner_text().lower() == "verified"
    session.context.close()


@pytest.fixture(scope="module")
def xss_archive(crawled, es, index_prefix) -> dict[str, str]:
    """Archived records whose page, JSON and HTTP headers carry the whole XSS corpus (real WARC writer)."""
    store = WarcStore(crawled.evidence_dir, "xss", key_dir=crawled.root / "keys")
    html = f"<!doctype html><html><head><title>{xss_corpus.ALERT_PAYLOADS[7]}</title></head><body>"
    html += "".join(f"<p>{payload}</p>" for payload in xss_corpus.ALERT_PAYLOADS) + "</body></html>"
    records = {
        "xss:html": store.write(
            "http://127.0.0.1:9/ad/xss",
            html.encode(),
            headers=[("Content-Type", "text/html"), ("X-Note", "\t".join(xss_corpus.ALERT_PAYLOADS[:6]))],
        ),
        "xss:json": store.write(
            "http://127.0.0.1:9/api/ads/xss",
            json.dumps({"id": "xss", "title": xss_corpus.JOINED, "photos": xss_corpus.ALERT_PAYLOADS}).encode(),
            headers=[("Content-Type", "application/json")],
        ),
    }
    store.close()
    for ad_id, evidence in records.items():
        doc = {
            "id": ad_id,
            "site": "xss",
            "url": f"http://127.0.0.1:9/{ad_id}",
            "title": xss_corpus.ALERT_PAYLOADS[0],
            "crawl": {"version": 1},
            "evidence": evidence.as_dict(),
        }
        es.index(index=f"{index_prefix}-ads", id=ad_id, document=doc, refresh="wait_for")
    return {ad_id: ev.record_id for ad_id, ev in records.items()}


@pytest.mark.browser
def test_the_xss_corpus_stays_inert_in_archived_pages(browser, base_url, shots, xss_archive, ui_ctx):
    session = BrowserUser(browser, base_url, ui_ctx, "investigator1")
    requests: list[str] = []
    session.context.on("request", lambda request: requests.append(request.url))
    page = session.page
    page.goto("/ads/xss:html/archive")
    page.frame_locator("iframe.archive-frame").locator("p").last.wait_for(state="attached")
    page.wait_for_load_state("load")
    assert page.locator(".check").first.inner_text().lower() == "verified"
    assert xss_corpus.ALERT_PAYLOADS[0] in page.locator("table.kv").last.inner_text()  # a header, shown as text
    page.screenshot(path=str(shots / "archive-xss.png"), full_page=True)
    page.goto("/ads/xss:json/archive")
    assert xss_corpus.ALERT_PAYLOADS[5] in page.locator("pre.archive-json").inner_text()
    page.goto("/ads/xss:html/archive/record")
    assert xss_corpus.ALERT_PAYLOADS[0] in page.locator("body").inner_text()
    assert session.dialogs == []
    assert _outside(requests, base_url) == []
    session.context.close()


def _zip(resp) -> tuple[dict, zipfile.ZipFile]:
    assert resp.status_code == 200, resp.text[:1500]
    assert resp.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    return json.loads(archive.read("manifest.json")), archive


def test_photo_export_of_an_ad_has_original_bytes_and_a_manifest(client_for, crawled, ui_ctx):
    ad = _ad(ui_ctx, PLAIN_AD)
    client, token = client_for("investigator1")
    manifest, archive = _zip(client.post(f"/ads/{PLAIN_AD}/photos.zip", data={"csrf_token": token}))
    rows = manifest["photos"]
    assert [r["url"] for r in rows] == [i["url"] for i in ad["images"]]
    for row, image in zip(rows, ad["images"], strict=True):
        assert row["ad_id"] == PLAIN_AD and row["check"] == "verified"
        assert row["sha256"] == image["sha256"] and row["phash"] == image["phash"]
        assert row["warc_record_id"] == image["warc_record_id"] and row["warc_file"].endswith(".warc.gz")
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == image["sha256"]
    csv_text = archive.read("manifest.csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith('"ad_id","index","url","sha256","phash"')
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("exports"))
    logged = ui_ctx.es.search(index=ui_ctx.alias("exports"), query={"term": {"format": "zip"}})["hits"]["hits"]
    assert any(h["_source"]["ad_ids"] == [PLAIN_AD] and h["_source"]["user"] == "investigator1" for h in logged)


def test_photo_export_of_a_network_stores_each_file_once(client_for, crawled, ui_ctx):
    resp = ui_ctx.es.search(
        index=ui_ctx.alias("ads"),
        size=0,
        query={"term": {"site": "prikbord"}},
        aggs={"c": {"terms": {"field": "cluster.id", "size": 1}}},
    )
    cluster_id = resp["aggregations"]["c"]["buckets"][0]["key"]
    client, token = client_for("investigator1")
    manifest, archive = _zip(client.post(f"/clusters/{cluster_id}/photos.zip", data={"csrf_token": token}))
    files = {r["file"] for r in manifest["photos"] if r["file"]}
    assert len({r["ad_id"] for r in manifest["photos"]}) >= 2
    assert sorted(files) == sorted(n for n in archive.namelist() if n.startswith("photos/"))
    assert all(r["check"] == "verified" for r in manifest["photos"] if r["file"])


def test_photo_export_is_permission_checked_csrf_protected_and_audited(client_for, crawled, ui_ctx):
    analyst, token = client_for("analyst2")  # may export only leads they decided themselves
    assert analyst.post(f"/ads/{PLAIN_AD}/photos.zip", data={"csrf_token": token}).status_code == 403
    ml, token = client_for("mlstaff")
    assert ml.post(f"/ads/{PLAIN_AD}/photos.zip", data={"csrf_token": token}).status_code == 403
    investigator, token = client_for("investigator1")
    assert investigator.post(f"/ads/{PLAIN_AD}/photos.zip", data={}).status_code == 403  # no CSRF token
    # the export this test audits is its own (tests run in any order)
    assert investigator.post(f"/ads/{PLAIN_AD}/photos.zip", data={"csrf_token": token}).status_code == 200
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    denied = audit.browse(ui_ctx, action="denied")["hits"]["hits"]
    assert {e["_source"]["user"] for e in denied} >= {"analyst2", "mlstaff", "investigator1"}
    exports = audit.browse(ui_ctx, user="investigator1", action="export")["hits"]["hits"]
    assert any(e["_source"]["details"].get("format") == "zip" for e in exports)


def test_photo_export_carries_exif_fields_where_present(client_for, crawled, es, index_prefix):
    """A JPEG with camera and GPS EXIF, archived by the crawler's own WARC writer."""
    exif = Image.Exif()
    exif[0x010F] = "Fixture Camera Co"  # Make
    exif[0x0110] = "FC-1"  # Model
    exif[0x0132] = "2026:11:01 10:00:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 5.0, 24.0)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 200)).save(buffer, "JPEG", exif=exif)
    photo = buffer.getvalue()
    store = WarcStore(crawled.evidence_dir, "exif", key_dir=crawled.root / "keys")
    page = store.write("http://127.0.0.1:9/ad/e1", b"<html><body><img src='/p.jpg'></body></html>")
    record = store.write("http://127.0.0.1:9/p.jpg", photo, headers=[("Content-Type", "image/jpeg")])
    store.close()
    doc = {
        "id": "exif:e1",
        "site": "exif",
        "crawl": {"version": 1},
        "evidence": page.as_dict(),
        "images": [
            {
                "url": "http://127.0.0.1:9/p.jpg",
                "sha256": record.sha256,
                "warc_record_id": record.record_id,
                "exif": analyze_photo(photo).record["exif"],  # as the crawler's image pipeline stores it
            }
        ],
    }
    es.index(index=f"{index_prefix}-ads", id="exif:e1", document=doc, refresh="wait_for")
    client, token = client_for("investigator1")
    manifest, _ = _zip(client.post("/ads/exif:e1/photos.zip", data={"csrf_token": token}))
    fields = manifest["photos"][0]["exif"]
    assert (fields["make"], fields["model"], fields["camera"]) == (
        "Fixture Camera Co",
        "FC-1",
        "Fixture Camera Co FC-1",
    )
    assert fields["taken_at"].startswith("2026-11-01T10:00:00")


def test_network_page_draws_the_linked_crawl_as_graph_and_map(client_for, crawled, ui_ctx):
    """After a real crawl and `signaal link`: nodes for every ad, edges labelled by reason, places on the map."""
    links = ui_ctx.es.search(index=ui_ctx.alias("links"), size=100, query={"terms": {"kind": ["image_phash", "text"]}})[
        "hits"
    ]["hits"]
    clusters = ui_ctx.es.search(
        index=ui_ctx.alias("ads"),
        size=0,
        query={"terms": {"site": ["prikbord", "vitrine-api"]}},  # the crawl's ads, not the module's fixture ads
        aggs={"c": {"terms": {"field": "cluster.id", "size": 50, "min_doc_count": 2}}},
    )["aggregations"]["c"]["buckets"]
    assert clusters, "signaal link found no network in the crawl"
    client, _ = client_for("investigator1")
    labels_seen = False
    for bucket in clusters:
        page = client.get(f"/networks/{bucket['key']}")
        assert page.status_code == 200
        html = page.text
        members = ui_ctx.es.count(index=ui_ctx.alias("ads"), query={"term": {"cluster.id": bucket["key"]}})["count"]
        assert html.count('class="node"') == members
        assert '<line class="edge' in html and 'class="place' in html and 'class="country home"' in html
        labels_seen |= "similar photo (" in html or "near-identical text" in html
    assert labels_seen or not links  # similarity links, when linking wrote any, are labelled with their measure
