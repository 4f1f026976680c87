"""Item pipelines, one concern each, in this order (see crawler/settings.py ITEM_PIPELINES):

images (100) -> evidence (200) -> normalize (300) -> versioning (400) -> scoring (500)
-> JSON Lines file (600) -> Elasticsearch (700).

Problems are counted in stats (``signaal/<stage>/<what>``) rather than crashing the crawl.
"""
