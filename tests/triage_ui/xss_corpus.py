"""The XSS corpus: payloads every page showing untrusted text (ads, archived pages, headers) must keep inert.

Each payload, if it ever ran, would open a dialog or fetch ``/beacon/...``; the browser tests watch for both.
"""

from __future__ import annotations

PAYLOADS = [
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
JOINED = "\n".join(PAYLOADS)
