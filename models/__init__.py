"""Risk models: rules baseline, scikit-learn classifiers, registry and rescoring.

Public API (kept tiny because the crawler, the indexer, linking and the UI all call it):

- :func:`score` adds ``risk: {minor, trafficking, priority, reasons, model_version}``.
- :func:`queue_priority` gives the final queue order from ``risk`` and ``link_indicators``.
"""

from models.priority import queue_priority
from models.scoring import score

__all__ = ["queue_priority", "score"]
