"""JSON-API site configs: JSONPath mistakes are one line naming file and field; extraction from JSON documents."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawler.config import ConfigError, load_site
from crawler.extract import ExtractionError, detail_fields, field, listing_entries, next_page
from crawler.jsonpaths import load_document

SHIPPED = Path(__file__).resolve().parents[2] / "crawler" / "sites"


def _api() -> dict:
    return yaml.safe_load((SHIPPED / "vitrine-api.yaml").read_text())


@pytest.mark.parametrize(
    ("change", "field_name", "message"),
    [
        (lambda d: d["detail"].update(title={"jsonpath": "$.title[", "required": True}), "detail.title", "JSONPath"),
        (lambda d: d["listing"].update(entry={"jsonpath": "$..[?(@.id =="}), "listing.entry", "invalid JSONPath"),
        (lambda d: d["listing"].update(entry="ul > li"), "listing.entry", "jsonpath, not css"),
        (lambda d: d["detail"]["extra"].update(city={"xpath": "//span"}), "detail.extra.city", "not xpath"),
        (lambda d: d["detail"].update(body={"jsonpath": "$.text", "block_text": True}), "detail.body", "block_text"),
        (lambda d: d["listing"].update(link={"jsonpath": "$.id", "template": "/api/ads/"}), "listing.link", "{}"),
        (lambda d: d["listing"]["next_page"].pop("template"), "listing", "last_page needs"),
        (lambda d: d.update(complete_marker="</html>"), "complete_marker", "JSON"),
        (lambda d: d.update(browser=yaml.safe_load((SHIPPED / "vitrine.yaml").read_text())["browser"]), "", "browser"),
    ],
)
def test_bad_json_site_names_file_field_and_why(tmp_path, change, field_name, message):
    data = _api()
    change(data)
    path = tmp_path / "broken-api.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as err:
        load_site(str(path))
    text = str(err.value)
    assert text.startswith(str(path)) and field_name in text and message in text, text
    assert "\n" not in text


def test_jsonpath_on_an_html_site_is_refused(tmp_path):
    data = yaml.safe_load((SHIPPED / "prikbord.yaml").read_text())
    data["detail"]["title"] = {"jsonpath": "$.title"}
    path = tmp_path / "html.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"detail\.title: HTML sites select with css or xpath"):
        load_site(str(path))


def test_listing_detail_and_numbered_pages_from_json():
    site = load_site("vitrine-api")
    page = {"items": [{"id": "v00002", "title": "a"}, {"id": 7}], "page": 2, "pages": 3}
    assert listing_entries(page, site.listing) == [("/api/ads/v00002", "v00002"), ("/api/ads/7", "7")]
    assert next_page(page, site.listing) == "/api/ads?page=3"
    assert next_page({**page, "page": 3}, site.listing) is None  # the last page links nowhere
    ad = {
        "id": "v00002",
        "title": " Title ",
        "text": "line one\nline two",
        "city": "Utrecht",
        "posted_at": "2025-03-03T08:00:00Z",
        "photos": ["/media/a.png", "/media/b.png"],
    }
    assert detail_fields(ad, site.detail) == {
        "site_ad_id": "v00002",
        "title": "Title",
        "body": "line one\nline two",
        "posted_at": "2025-03-03T08:00:00Z",
        "images": ["/media/a.png", "/media/b.png"],
        "city": "Utrecht",
    }
    with pytest.raises(ExtractionError, match=r"^detail\.title \(jsonpath '\$\.title'\) matched nothing$"):
        detail_fields({**ad, "title": None}, site.detail)


def test_a_path_that_selects_an_object_where_text_is_expected_says_so():
    site = load_site("vitrine-api")
    with pytest.raises(ExtractionError, match=r"photos.*array \(select its items with \[\*\]\)"):
        field({"photos": [["/media/a.png"]]}, site.detail.images.model_copy(update={"jsonpath": "$.photos"}), "photos")


def test_json_body_reader_is_lenient_after_the_value_but_refuses_cut_off_json():
    assert load_document(b'  {"id": "v1", "title": "x"}<oops & garbage') == {"id": "v1", "title": "x"}
    with pytest.raises(ValueError):
        load_document(b'{"id": "v1", "tit')
    with pytest.raises(ValueError):
        load_document(b"<!doctype html><p>not json</p>")
