"""The one-command demo: the whole chain on a fresh machine, from Elasticsearch to the triage UI."""
