"""`signaal es init` semantics on a real Elasticsearch: idempotent templates, aliases and mappings."""

from __future__ import annotations

import json

import pytest

from signaal.es.errors import EsSetupError
from signaal.es.mappings import apply_mappings, load_specs

pytestmark = pytest.mark.es


def _snapshot(es, prefix: str) -> dict:
    mappings = es.indices.get_mapping(index=f"{prefix}-*").body
    templates = {
        t["name"]: t["index_template"]
        for t in es.indices.get_index_template(name=f"{prefix}-*").body["index_templates"]
    }
    aliases = es.indices.get_alias(index=f"{prefix}-*").body
    return {"mappings": mappings, "templates": templates, "aliases": aliases}


def test_init_twice_gives_identical_mappings(es, index_prefix):
    before = _snapshot(es, index_prefix)
    result = apply_mappings(es, index_prefix)
    assert all(msg.endswith("up to date") for msg in result.values())
    assert _snapshot(es, index_prefix) == before


def test_every_kind_has_a_versioned_write_index_behind_its_alias(es, index_prefix):
    for spec in load_specs():
        alias = f"{index_prefix}-{spec.kind}"
        indices = es.indices.get_alias(name=alias).body
        assert list(indices) == [f"{alias}-v{spec.version}"]
        assert indices[f"{alias}-v{spec.version}"]["aliases"][alias]["is_write_index"] is True


def test_ads_mapping_types(es, index_prefix):
    props = es.indices.get_mapping(index=f"{index_prefix}-ads").body
    props = next(iter(props.values()))["mappings"]
    assert props["dynamic"] == "false"
    p = props["properties"]
    assert p["title"]["fields"]["nl"]["analyzer"] == "signaal_nl"
    assert p["title"]["fields"]["en"]["analyzer"] == "signaal_en"
    assert p["entities"]["properties"]["phones"]["type"] == "keyword"
    assert p["geo"]["type"] == "geo_point"
    assert p["indicator_codes"]["type"] == "keyword"


def test_dutch_and_english_analyzers_drop_their_stop_words(es, index_prefix):
    index = f"{index_prefix}-ads"
    nl = es.indices.analyze(index=index, analyzer="signaal_nl", text="Nieuw in de stad")
    en = es.indices.analyze(index=index, analyzer="signaal_en", text="New in the city")
    assert [t["token"] for t in nl["tokens"]] == ["nieuw", "stad"]
    assert [t["token"] for t in en["tokens"]] == ["new", "city"]


def test_additive_change_is_applied_without_reindex(es, fresh_index_prefix, tmp_path):
    from signaal.paths import ES_MAPPINGS_DIR

    spec = json.loads((ES_MAPPINGS_DIR / "links.json").read_text())
    spec["mappings"]["properties"]["note_added_later"] = {"type": "keyword"}
    (tmp_path / "links.json").write_text(json.dumps(spec))
    apply_mappings(es, fresh_index_prefix, directory=tmp_path)
    mapping = es.indices.get_mapping(index=f"{fresh_index_prefix}-links").body
    assert "note_added_later" in next(iter(mapping.values()))["mappings"]["properties"]


def test_incompatible_change_is_a_one_line_error(es, fresh_index_prefix, tmp_path):
    from signaal.paths import ES_MAPPINGS_DIR

    spec = json.loads((ES_MAPPINGS_DIR / "links.json").read_text())
    spec["mappings"]["properties"]["kind"] = {"type": "integer"}
    (tmp_path / "links.json").write_text(json.dumps(spec))
    with pytest.raises(EsSetupError, match="bump its version") as err:
        apply_mappings(es, fresh_index_prefix, directory=tmp_path)
    assert "\n" not in str(err.value)
