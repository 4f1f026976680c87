"""Site configs and term lists: the shipped files validate, mistakes give one line naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawler.config import ConfigError, list_sites, load_site, load_terms
from crawler.site_settings import site_settings

SHIPPED = Path(__file__).resolve().parents[2] / "crawler" / "sites"


def _write(tmp_path: Path, name: str, data: dict) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _prikbord() -> dict:
    return yaml.safe_load((SHIPPED / "prikbord.yaml").read_text())


def test_shipped_sites_validate():
    assert {"prikbord", "vitrine"} <= set(list_sites())
    prikbord = load_site("prikbord")
    assert prikbord.site == "prikbord" and prikbord.render == "html"
    assert prikbord.search is not None and "{term}" in prikbord.search.url
    vitrine = load_site("vitrine")
    assert vitrine.render == "browser" and vitrine.browser is not None
    assert load_terms("signalen").terms


def test_base_url_override_by_argument_and_environment(monkeypatch):
    assert load_site("prikbord", base_url="http://127.0.0.1:5555/").base_url == "http://127.0.0.1:5555"
    monkeypatch.setenv("SIGNAAL_SITE_VITRINE_URL", "http://127.0.0.1:6666")
    site = load_site("vitrine")
    assert site.base_url == "http://127.0.0.1:6666"
    assert site.origins == {"http://127.0.0.1:6666"}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d["detail"].update(title={"css": "h1[[", "required": True}), "detail.title", "invalid CSS"),
        (lambda d: d["listing"].update(entry={"xpath": "//li[@"}), "listing.entry", "invalid XPath"),
        (lambda d: d.update(render="browser"), "(top level)", "browser"),
        (lambda d: d.update(base_url="ftp://x"), "base_url", "origin"),
        (lambda d: d["search"].update(url="/search?q=x"), "search.url", "{term}"),
        (lambda d: d.update(unknown_key=1), "unknown_key", "Extra inputs"),
        (lambda d: d["detail"].update(images="img::attr(src)"), "detail.images", "many"),
        (lambda d: d.update(robots_txt={"obey": False}), "robots_txt", "obey: false needs a reason"),
        (lambda d: d.update(robots_txt={"obey": False, "reason": "  "}), "robots_txt", "needs a reason"),
        (lambda d: d["limits"].update(max_listing_pages=0), "limits.max_listing_pages", "greater than 0"),
    ],
)
def test_invalid_site_names_file_and_field(tmp_path, change, field, message):
    data = _prikbord()
    change(data)
    path = _write(tmp_path, "broken", data)
    with pytest.raises(ConfigError) as err:
        load_site(path)
    text = str(err.value)
    assert text.startswith(path) and field in text and message in text
    assert "\n" not in text


def test_a_site_without_politeness_or_robots_blocks_gets_polite_settings(tmp_path):
    data = _prikbord()
    del data["politeness"], data["limits"]
    site = load_site(_write(tmp_path, "small", data))
    settings = site_settings(site)
    assert settings["CONCURRENT_REQUESTS"] == settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert settings["DOWNLOAD_DELAY"] == settings["AUTOTHROTTLE_START_DELAY"] == 1.0
    assert settings["AUTOTHROTTLE_ENABLED"] and settings["AUTOTHROTTLE_TARGET_CONCURRENCY"] == 1.0
    assert settings["ROBOTSTXT_OBEY"] is True
    assert (site.limits.max_listing_pages, site.limits.max_consecutive_parse_failures) == (5000, 20)
    fast = load_site("prikbord")  # the fixture sites choose their fast values explicitly
    assert site_settings(fast)["CONCURRENT_REQUESTS"] == 16 and site_settings(fast)["DOWNLOAD_DELAY"] == 0


def test_missing_and_unparseable_files(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_site("no-such-site")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_site(str(bad))


def test_term_list_cleans_and_rejects_empty(tmp_path):
    path = _write(tmp_path, "mine", {"terms": [" jonge ", "jonge", "", "24/7"]})
    assert load_terms(path).terms == ["jonge", "24/7"]
    empty = _write(tmp_path, "empty", {"terms": ["  "]})
    with pytest.raises(ConfigError, match="terms"):
        load_terms(empty)
