"""Elasticsearch access of the triage UI, one module per kind of document.

Query DSL is always built here as Python dicts from typed values; routers never touch DSL.
"""
