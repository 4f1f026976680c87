"""The spider's arguments as a Scrapyd node passes them (strings), and where a node keeps a crawl's files."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from crawler.config import ConfigError
from crawler.spiders.ads import spider_arguments
from signaal.paths import crawl_dir


def test_string_arguments_become_a_site_config_term_lists_and_numbers():
    extra = {"terms": "signalen", "base_url": "http://127.0.0.1:9999", "_job": "j1"}
    site, terms, listing, max_ads = spider_arguments("prikbord", None, "0", "25", extra)
    assert site.site == "prikbord" and site.base_url == "http://127.0.0.1:9999"
    assert [t.name for t in terms] == ["signalen"] and listing is False and max_ads == 25
    assert extra == {"_job": "j1"}, "terms and base_url are consumed; Scrapyd's job id stays a spider attribute"
    _, no_terms, listing, max_ads = spider_arguments("prikbord", None, "1", "0", {"terms": ""})
    assert no_terms == [] and listing is True and max_ads is None


def test_bad_string_arguments_are_one_line_config_errors():
    with pytest.raises(ConfigError, match="max_ads must be a whole number"):
        spider_arguments("prikbord", None, True, "many", {})
    with pytest.raises(ConfigError, match="file not found"):
        spider_arguments("no-such-site", None, True, None, {})


def test_crawl_directories_come_from_the_setting_then_the_environment_then_var(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNAAL_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SIGNAAL_STATE_DIR", raising=False)
    assert crawl_dir("SIGNAAL_STATE_DIR") == (tmp_path / "var" / "crawl-state").resolve()
    monkeypatch.setenv("SIGNAAL_STATE_DIR", str(tmp_path / "shared"))
    assert crawl_dir("SIGNAAL_STATE_DIR", Settings()) == tmp_path / "shared"
    assert crawl_dir("SIGNAAL_STATE_DIR", Settings({"SIGNAAL_STATE_DIR": str(tmp_path / "cli")})) == tmp_path / "cli"
