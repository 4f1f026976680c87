"""The public API contract of ``nlp.analyze`` (what the crawler, scoring and rescoring rely on)."""

import json
from itertools import count, islice

import pytest
import spacy

import nlp
from nlp.pipeline import get_pipeline, languages

ENTITY_KEYS = {
    "phones",
    "phone_checks",
    "emails",
    "handles",
    "ages",
    "locations",
    "prices",
    "names",
    "nationalities",
    "genders",
}


def ad(i: int, body: str = "Hoi, ik ben Lisa, 23 jaar, uit Utrecht. Bel 06-12345678. €150 per uur.") -> dict:
    return {"id": f"test:{i}", "site": "test", "url": f"http://127.0.0.1/{i}", "title": f"Lisa {i}", "body": body}


def test_one_output_per_input_in_order_with_input_fields_kept():
    records = [ad(i) for i in range(7)]
    records[3]["images"] = ["http://127.0.0.1/a.jpg"]
    records[4]["images"] = [{"url": "http://127.0.0.1/b.jpg", "sha256": "0" * 64}]
    out = list(nlp.analyze(records, batch_size=3))
    assert [o["id"] for o in out] == [r["id"] for r in records]
    assert out[3]["images"] == ["http://127.0.0.1/a.jpg"] and out[4]["images"][0]["sha256"] == "0" * 64
    for o in out:
        assert o["language"] == "nl"
        assert set(o["entities"]) == ENTITY_KEYS
        assert o["entities"]["phones"] == ["+31612345678"]
        assert o["entities"]["locations"] == [{"name": "Utrecht", "lat": 52.09083, "lon": 5.12222}]
        json.dumps(o)  # plain JSON types only, no spaCy objects


def test_inputs_are_not_modified():
    record = ad(1)
    before = json.dumps(record, sort_keys=True)
    list(nlp.analyze([record]))
    assert json.dumps(record, sort_keys=True) == before


def test_lazy_on_an_endless_stream():
    endless = (ad(i) for i in count())
    first = list(islice(nlp.analyze(endless, batch_size=4), 5))
    assert [o["id"] for o in first] == [f"test:{i}" for i in range(5)]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"title": None, "body": None},
        {"title": 12, "body": ["not", "text"]},
        {"title": "", "body": ""},
        {"body": {"nested": "dict"}},
    ],
)
def test_missing_or_odd_fields(fields):
    (out,) = nlp.analyze([{"id": "x", **fields}])
    assert out["indicators"] == [] and all(v == [] for v in out["entities"].values())
    assert out["language"] == "und"


def test_language_identification():
    nl_ad, en_ad = ad(1), ad(2, "Hi, I am Anna and I am new in town. Call me for an appointment.")
    out = list(nlp.analyze([nl_ad, en_ad]))
    assert [o["language"] for o in out] == ["nl", "en"]


def test_non_dict_record_is_a_type_error():
    with pytest.raises(TypeError, match="dicts"):
        list(nlp.analyze(["not a record"]))


def test_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        list(nlp.analyze([], batch_size=0))


@pytest.mark.parametrize("lang", languages())
def test_pipelines_are_blank_spacy_plus_versioned_signaal_components(lang):
    pipeline = get_pipeline(lang)
    assert pipeline.lang == lang
    factories = [pipeline.get_pipe_meta(name).factory for name in pipeline.pipe_names]
    assert factories[0] == "signaal_normalize_v1" and factories[-1] == "signaal_indicators_v1"
    assert all(f.startswith("signaal_") and f.endswith("_v1") for f in factories)
    analysis = pipeline.analyze_pipes(pretty=False)
    assert not any(analysis["problems"].values())
    assert spacy.util.get_lang_class(lang)  # blank language class, no trained model
    assert not pipeline.meta.get("vectors", {}).get("width")
