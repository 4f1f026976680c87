"""The one place an Elasticsearch client is built, so every part gets the same timeouts and retries.

Note: the provisioned integ-test server has no root endpoint, so ``es.info()`` and
``es.ping()`` fail on it; use ``es.cluster.health()`` to check that it answers.
"""

from __future__ import annotations

from elasticsearch import Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from signaal.settings import get_settings


def get_client(url: str | None = None, *, request_timeout: float = 30.0, max_retries: int = 3) -> Elasticsearch:
    """Client for ``url`` (default: ``SIGNAAL_ES_URL`` or the local node), retrying timeouts.

    orjson serialises bulk bodies several times faster than the standard library (it falls back to
    the client's handling of datetimes, numpy numbers and Decimals).
    """
    return Elasticsearch(
        url or get_settings().effective_es_url,
        request_timeout=request_timeout,
        retry_on_timeout=True,
        max_retries=max_retries,
        serializers={"application/json": OrjsonSerializer()},
    )
