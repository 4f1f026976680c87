"""Local Scrapyd crawl nodes on loopback ports, for the demo, tests and benchmarks (``signaal nodes``)."""
