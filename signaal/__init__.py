"""Signaal: find signs of minors and trafficking in online sex-work advertisements.

The ``signaal`` package holds what is shared by the layout packages (``crawler``,
``nlp``, ``models``, ``triage_ui``): settings, paths, the command line, the local
Elasticsearch provisioning, indexing, linking and the synthetic fixture sites.
"""

__version__ = "0.1.0"
