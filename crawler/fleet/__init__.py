"""Crawling on several Scrapyd nodes: deploy the crawler as an egg, give each site to one node, watch them."""
