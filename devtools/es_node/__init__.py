"""A local Elasticsearch for development, tests and the demo: fetched through Maven, run as an unprivileged user."""
