"""One line for a refused Elasticsearch request names the reason, not only the error type (signaal.es.errors)."""

from __future__ import annotations

from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from signaal.es.errors import refusal


def _refused(status: int, body: object) -> ApiError:
    meta = ApiResponseMeta(status, "1.1", HttpHeaders(), 0.01, NodeConfig("http", "127.0.0.1", 9200))
    return ApiError("security_exception", meta, body)


def test_the_reason_elasticsearch_gives_is_in_the_line():
    body = {"error": {"type": "security_exception", "reason": "missing authentication credentials\nfor [/x]"}}
    assert refusal(_refused(401, body)) == (
        "Elasticsearch refused the request (401): security_exception: missing authentication credentials for [/x]"
    )


def test_a_body_without_a_reason_still_gives_one_line():
    assert refusal(_refused(403, "forbidden")) == "Elasticsearch refused the request (403): security_exception"
