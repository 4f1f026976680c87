"""Synthetic fixture ad sites with ground truth.

``generate(seed, n_ads, epoch)`` draws a deterministic corpus of bland, synthetic listings with labels,
entities and indicator codes per ad; ``start_sites(...)`` serves it on 127.0.0.1 as two sites of different
shape ("prikbord", server-rendered; "vitrine", JavaScript-rendered), optionally with faults.
See docs/fixture-sites.md.
"""

from devtools.fixture_sites.corpus import Corpus
from devtools.fixture_sites.generator import generate
from devtools.fixture_sites.server import RunningSites, start_sites

__all__ = ["Corpus", "RunningSites", "generate", "start_sites"]
