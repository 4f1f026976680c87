"""Synthetic fixture ad sites with ground truth.

``generate(seed, n_ads, epoch)`` draws a deterministic corpus of bland, synthetic listings with labels,
entities and indicator codes per ad; ``start_sites(...)`` serves it on 127.0.0.1 as two sites of different
shape ("prikbord", server-rendered; "vitrine", JavaScript-rendered), optionally with faults.
See docs/fixture-sites.md.
"""

from signaal.demo_sites.corpus import Corpus
from signaal.demo_sites.generator import generate

__all__ = ["Corpus", "RunningSites", "generate", "start_sites"]


def __getattr__(name: str):  # the server module is only imported by those who serve
    if name in ("start_sites", "RunningSites"):
        from signaal.demo_sites import server

        return getattr(server, name)
    raise AttributeError(name)
