"""The one place an Elasticsearch client is built, so every part gets the same nodes, credentials and retries.

A caller names its *component* (``get_client(component="ui")``): the process then
authenticates as that component's least-privilege user (see
:mod:`signaal.es.credentials` and es_mappings/security/roles.json). The node list is
``SIGNAAL_ES_URL`` (one URL or several, comma-separated) or what `signaal es up`
recorded; requests are spread over all listed nodes and a dead node is skipped
until it answers again.

Note: the provisioned integ-test server has no root endpoint, so ``es.info()`` and
``es.ping()`` fail on it; use ``es.cluster.health()`` to check that it answers.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from signaal.es.credentials import Credentials, resolve_credentials
from signaal.es.errors import EsSetupError
from signaal.paths import ES_MAPPINGS_DIR
from signaal.settings import get_settings

ROLES_FILE = ES_MAPPINGS_DIR / "security" / "roles.json"


@lru_cache(maxsize=1)
def components() -> tuple[str, ...]:
    """Component names from es_mappings/security/roles.json (``admin``, ``ui``, ``indexer``, ...)."""
    return tuple(json.loads(ROLES_FILE.read_text(encoding="utf-8"))["components"])


def client_options(
    component: str,
    url: str | None = None,
    *,
    credentials: Credentials | None = None,
    ca_certs: Path | None = None,
) -> dict[str, Any]:
    """Hosts, credentials, CA and sniffing for ``component``: the keyword arguments of ``Elasticsearch()``.

    ``credentials`` and ``ca_certs`` override what the settings give (a cluster a test or a
    benchmark started itself).
    """
    if component not in components():
        raise EsSetupError(f"unknown Elasticsearch component {component!r}; known: {', '.join(components())}")
    settings = get_settings()
    hosts = [part.strip() for part in url.split(",")] if url else settings.es_hosts
    options: dict[str, Any] = {"hosts": hosts}
    credentials = credentials or resolve_credentials(settings, component)
    if credentials is not None:
        options.update(credentials.client_options())
    ca_certs = ca_certs or settings.ca_certs
    if ca_certs is not None:
        options["ca_certs"] = str(ca_certs)
    if settings.es_sniff:
        options.update(sniff_on_start=True, sniff_on_node_failure=True, min_delay_between_sniffing=60)
    return options


def get_client(
    url: str | None = None,
    *,
    component: str,
    request_timeout: float = 30.0,
    max_retries: int = 3,
    credentials: Credentials | None = None,
    ca_certs: Path | None = None,
) -> Elasticsearch:
    """Client for ``component`` at ``url`` (default: ``SIGNAAL_ES_URL`` or the local node), retrying timeouts.

    ``max_retries`` also moves a failed request to the next node of the list. orjson serialises
    bulk bodies several times faster than the standard library (it falls back to the client's
    handling of datetimes, numpy numbers and Decimals).
    """
    return Elasticsearch(
        **client_options(component, url, credentials=credentials, ca_certs=ca_certs),
        request_timeout=request_timeout,
        retry_on_timeout=True,
        max_retries=max_retries,
        serializers={"application/json": OrjsonSerializer()},
    )
