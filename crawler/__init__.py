"""Signaal crawler: config-driven Scrapy spiders, WARC evidence, durable crawl state.

A site is data (``crawler/sites/<site>.yaml``); the few generic spiders here read
it. Everything a spider fetches is kept as signed WARC evidence, and a SQLite
state store lets a crawl killed with ``kill -9`` finish on the next run.
"""
