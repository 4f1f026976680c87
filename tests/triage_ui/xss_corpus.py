"""XSS corpora and synthetic ads that carry one payload in every text field the UI shows.

``PAYLOADS``: every payload that could make an element carries the attribute ``data-xss``, and
every one that could run sets ``window.__xss``: a render is clean when the DOM has no ``[data-xss]``
element and ``window.__xss`` is unset, whatever the CSP allowed (``test_xss.py``, every page and export).

``ALERT_PAYLOADS``: payloads for archived pages (a page, a JSON API answer, HTTP headers as the crawler
stored them); each, if it ever ran, would open a dialog or fetch ``/beacon/...``, and the archive tests
watch for both. Ads are bland listings; the payloads are inert markup.
"""

from __future__ import annotations

RUN = "window.__xss=1"
PAYLOADS = [
    f"<script data-xss>{RUN}</script>",
    f'<img src=x data-xss onerror="{RUN}">',
    f"<svg data-xss onload={RUN}>",
    f'"><img src=x data-xss onerror={RUN}>',
    f"'><script data-xss>{RUN}</script>",
    f"</textarea><script data-xss>{RUN}</script>",
    f"</title><script data-xss>{RUN}</script>",
    '<iframe data-xss srcdoc="<script>parent.__xss=1</script>"></iframe>',
    f'<a data-xss href="javascript:{RUN}">link</a>',
    f"<details data-xss open ontoggle={RUN}>",
    f"<body data-xss onload={RUN}>",
    "<style data-xss>body{display:none}</style>",
    f"<math><mtext><table><mglyph><style><img src=x data-xss onerror={RUN}>",
    f'<noscript><p title="</noscript><img src=x data-xss onerror={RUN}>">',
    "{{7*7}} ${7*7} #{7*7}",
    f"javascript:{RUN}",
    f'<object data-xss data="javascript:{RUN}"></object>',
    f"<input data-xss autofocus onfocus={RUN}>",
    f'<video data-xss><source onerror="{RUN}"></video>',
    '<base data-xss href="http://127.0.0.9/">',
    f'<meta data-xss http-equiv="refresh" content="0;url=javascript:{RUN}">',
    f'<form data-xss action="javascript:{RUN}"><button>go</button></form>',
    f"<template data-xss><script>{RUN}</script></template>",
    f"\u2028</script><script data-xss>{RUN}</script>",
    f"<svg><script data-xss>{RUN}</script></svg>",
    "<img src=x data-xss onerror=&#x77;indow.__xss=1>",
    f"<!--<img src=x data-xss onerror={RUN}>-->",
]


def payload_ad(i: int, payload: str) -> dict:
    """Ad ``xss:<i>``: the payload in its title, body, entities, signals, evidence, photo and triage."""
    body = f"Hoi, ik ben Lisa uit Utrecht. {payload} Bel 06-1234 9{i:03d}."
    start = body.index(payload)
    return {
        "id": f"xss:{i}",
        "site": payload if i % 3 == 0 else "prikbord",
        "url": f"http://127.0.0.1:8701/ad/{payload}",
        "title": f"Lisa {i} {payload}",
        "body": body,
        "posted_at": "2026-11-20T10:00:00Z",
        "language": "nl",
        "images": [{"url": payload, "sha256": payload, "phash": "00"}],
        "crawl": {"first_seen": "2026-11-20T10:00:00Z", "last_seen": "2026-11-20T10:00:00Z", "version": 1},
        "evidence": {
            "warc_file": payload,
            "record_id": payload,
            "sha256": payload,
            "fetched_at": "2026-11-20T10:00:00Z",
        },
        "entities": {
            "phones": [payload],
            "emails": [payload],
            "handles": [{"platform": "telegram", "handle": payload}],
            "ages": [21],
            "locations": [{"name": payload}],
            "names": [payload],
            "prices": [{"amount": 120, "currency": "EUR", "per": "hour"}],
        },
        "indicators": [
            {
                "code": "TRAF_HOTEL",
                "category": "trafficking",
                "field": "body",
                "start": start,
                "end": start + len(payload),
                "text": payload,
                "weight": 0.4,
            }
        ],
        "link_indicators": [
            {"code": "TRAF_SHARED_CONTACT", "category": "trafficking", "weight": 0.3, "reason": payload}
        ],
        "risk": {"minor": 0.1, "trafficking": 0.9, "priority": 0.95, "reasons": [payload], "model_version": payload},
        "cluster": {"id": "xss", "size": len(PAYLOADS)},
        "priority": 0.999 - i / 1000,
        "triage": {
            "status": "needs_review",
            "assigned_to": "admin1",
            "decided_by": payload,
            "decided_at": "2026-11-20T11:00:00Z",
        }
        if i % 2
        else {"status": "new"},
    }


def payload_ads() -> list[dict]:
    return [payload_ad(i, p) for i, p in enumerate(PAYLOADS)]


ALERT_PAYLOADS = [
    '<script>alert("xss")</script>',
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(2)>",
    '"><script>alert(3)</script>',
    "'><img src=x onerror=alert(4)>",
    "</pre><script>alert(5)</script><pre>",
    "</textarea><script>alert(6)</script>",
    "</title><script>alert(7)</script>",
    '<a href="javascript:alert(8)">click</a>',
    '<iframe srcdoc="<script>alert(9)</script>"></iframe>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(10)">',
    '<base href="javascript:alert(11)//">',
    '<form action="javascript:alert(12)"><button>go</button></form>',
    '<object data="data:text/html,<script>alert(13)</script>"></object>',
    '<embed src="data:text/html,<script>alert(14)</script>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(15)>",
    '<details open ontoggle="alert(16)">',
    '<body onload="alert(17)">',
    "<style>@import 'javascript:alert(18)';</style>",
    '<div style="background:url(javascript:alert(19))">x</div>',
    "{{7*7}}${alert(20)}",
    "\u202e<script>alert(21)</script>",
]
JOINED = "\n".join(ALERT_PAYLOADS)
