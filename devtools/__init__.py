"""Developer tools on top of the product: fixture sites, the one-command demo, Kibana objects, a local Elasticsearch.

Nothing in the product packages imports this package (import-linter checks it).
"""
