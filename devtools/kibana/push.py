"""Push saved objects to Kibana through its documented saved-objects import API.

Why httpx and not the ``kibana-api`` package: that package's last release is
0.0.4 from 2021 and it builds visualisations itself rather than importing
NDJSON; the import API is one documented call (``POST
/api/saved_objects/_import``, multipart ``file``, ``kbn-xsrf`` header), and
httpx is already a pinned dependency with proper timeouts.
"""

from __future__ import annotations

from typing import Any

import httpx


class KibanaPushError(RuntimeError):
    """Kibana was unreachable or refused the import (message is one line)."""


def import_url(base_url: str, space: str | None = None) -> str:
    base = base_url.rstrip("/")
    return f"{base}/s/{space}/api/saved_objects/_import" if space else f"{base}/api/saved_objects/_import"


def push_ndjson(
    base_url: str,
    ndjson: str,
    *,
    space: str | None = None,
    api_key: str | None = None,
    basic_auth: tuple[str, str] | None = None,
    overwrite: bool = True,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """Import ``ndjson`` into Kibana; returns Kibana's response (``successCount``...) or raises.

    Kibana authenticates against Elasticsearch: an API key, or a user name and password
    (``signaal kibana push`` uses the ``admin`` component's, whose role carries Kibana's privileges).
    """
    headers = {"kbn-xsrf": "true"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    files = {"file": ("signaal.ndjson", ndjson.encode("utf-8"), "application/ndjson")}
    auth = httpx.BasicAuth(*basic_auth) if basic_auth and not api_key else None
    try:
        with httpx.Client(timeout=timeout, transport=transport, auth=auth) as client:
            response = client.post(
                import_url(base_url, space),
                params={"overwrite": str(overwrite).lower()},
                headers=headers,
                files=files,
            )
    except httpx.HTTPError as exc:
        raise KibanaPushError(f"cannot reach Kibana at {base_url}: {exc}") from None
    if response.status_code != 200:
        raise KibanaPushError(f"Kibana refused the import: HTTP {response.status_code}: {response.text[:300]}")
    try:
        result = response.json()
    except ValueError:
        raise KibanaPushError("Kibana answered the import with something that is not JSON") from None
    if not result.get("success", False):
        errors = result.get("errors") or []
        first = errors[0] if errors else {}
        raise KibanaPushError(
            f"Kibana imported {result.get('successCount', 0)} objects with {len(errors)} errors; first: "
            f"{first.get('type')} {first.get('id')}: {first.get('error')}"
        )
    return result
