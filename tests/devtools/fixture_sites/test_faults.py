"""Fault mode: each kind does what crawler tests rely on; fault files are validated."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from lxml import html as lxml_html

from devtools.fixture_sites import start_sites
from devtools.fixture_sites.faults import FaultConfigError, default_faults, load_faults
from tests.helpers import DEADLINE_S

FAULTS = {
    "/ad/p00001": {"kind": "http_500", "times": 2},
    "prikbord": {
        "/ad/p00002": {"kind": "slow", "delay": 0.4},
        "/ad/p00003": {"kind": "truncated"},
        "/ad/p00004": {"kind": "truncated", "declare_full_length": True},
        "/ad/p00005": {"kind": "malformed"},
        "/ad/p00006": {"kind": "redirect_loop"},
        "/ad/p00007": {"kind": "oversized", "size_mb": 1},
        "/ads": {"kind": "http_500", "times": -1},
    },
    "vitrine": {"/api/ads/v00002": {"kind": "malformed"}, "/ad/v00003": {"kind": "oversized"}},
}


@pytest.fixture(scope="module")
def faulty():
    with start_sites(seed=9, n_ads=40, faults=FAULTS) as running, httpx.Client(timeout=DEADLINE_S) as client:
        yield running, client


def test_http_500_fails_the_first_k_requests_then_serves(faulty):
    sites, client = faulty
    statuses = [client.get(f"{sites.prikbord_url}/ad/p00001").status_code for _ in range(4)]
    assert statuses == [500, 500, 200, 200]
    assert [r.status for r in sites.request_log if r.path == "/ad/p00001"] == [500, 500, 200, 200]
    assert {client.get(f"{sites.prikbord_url}/ads?page=1").status_code for _ in range(3)} == {500}  # times: -1
    assert client.get(f"{sites.prikbord_url}/").status_code == 200  # other paths unaffected


def test_slow_answers_after_the_delay(faulty):
    sites, client = faulty
    started = time.perf_counter()
    res = client.get(f"{sites.prikbord_url}/ad/p00002")
    assert res.status_code == 200 and time.perf_counter() - started >= 0.35
    assert 'data-ad-id="p00002"' in res.text


def test_truncated_html_is_cut_mid_tag_with_matching_length(faulty):
    sites, client = faulty
    full = client.get(f"{sites.prikbord_url}/ad/p00008").text  # same template, for the shape
    res = client.get(f"{sites.prikbord_url}/ad/p00003")
    assert res.status_code == 200 and int(res.headers["content-length"]) == len(res.content)
    assert not res.text.rstrip().endswith("</html>") and len(res.text) < len(full) + 200
    tail = res.text[res.text.rindex("<") :]
    assert len(tail) == 3 and ">" not in tail  # cut inside a tag


def test_truncated_with_full_length_declared_breaks_the_connection(faulty):
    sites, client = faulty
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{sites.prikbord_url}/ad/p00004")


def test_malformed_html_still_holds_the_ad(faulty):
    sites, client = faulty
    res = client.get(f"{sites.prikbord_url}/ad/p00005")
    ad = sites.corpus.ad("prikbord:p00005")
    assert res.status_code == 200 and "</article>" not in res.text and "<p <b>" in res.text
    tree = lxml_html.fromstring(res.text)
    assert tree.xpath('//article[@data-ad-id="p00005"]')
    assert ad["body"].splitlines()[0] in tree.text_content()
    broken = client.get(f"{sites.vitrine_url}/api/ads/v00002")
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.text)
    ad_json, _ = json.JSONDecoder().raw_decode(broken.text)  # the ad is still there, followed by garbage
    assert ad_json["title"] == sites.corpus.ad("vitrine:v00002")["title"]


def test_redirect_loop_never_ends(faulty):
    sites, _ = faulty
    with (
        httpx.Client(timeout=DEADLINE_S, follow_redirects=True, max_redirects=6) as client,
        pytest.raises(httpx.TooManyRedirects),
    ):
        client.get(f"{sites.prikbord_url}/ad/p00006")
    hops = [r for r in sites.request_log if r.path.startswith("/ad/p00006")]
    assert len(hops) == 1 + 6 and {r.status for r in hops} == {302}  # the request and six redirects followed


def test_oversized_body_has_the_announced_size_and_still_holds_the_ad(faulty):
    sites, client = faulty
    res = client.get(f"{sites.prikbord_url}/ad/p00007")
    assert len(res.content) == int(res.headers["content-length"]) == 1024 * 1024  # size_mb: 1
    assert 'data-ad-id="p00007"' in res.text and res.text.rstrip().endswith("</html>")
    with client.stream("GET", f"{sites.vitrine_url}/ad/v00003") as big:  # default 20 MB; read only the head
        assert int(big.headers["content-length"]) >= 20 * 1024 * 1024
        first = next(big.iter_bytes())
        assert first.startswith(b"<!doctype html>")


def test_default_fault_mode_touches_a_few_ads_on_each_site():
    faults = default_faults().paths()
    assert len(faults["prikbord"]) == 6 and len(faults["vitrine"]) == 6
    kinds = {default_faults().lookup("prikbord", p).kind for p in faults["prikbord"]}
    assert kinds == {"http_500", "slow", "truncated", "malformed", "redirect_loop", "oversized"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([1, 2], "mapping"),
        ({"/ad/p1": {"kind": "explode"}}, "kind"),
        ({"ad/p1": {"kind": "slow"}}, "start with '/'"),
        ({"/ad/p1": {"kind": "slow", "dealy": 1}}, "unknown field"),
        ({"/ad/p1": {"kind": "slow", "delay": "soon"}}, "non-numeric"),
    ],
)
def test_bad_fault_files_give_one_line_errors(raw, message, tmp_path):
    with pytest.raises(FaultConfigError, match=message) as info:
        load_faults(raw)
    assert "\n" not in str(info.value)
    path = tmp_path / "faults.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(FaultConfigError):
        load_faults(path)
    with pytest.raises(FaultConfigError, match="cannot read"):
        load_faults(tmp_path / "missing.yaml")
