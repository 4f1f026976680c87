"""WARC evidence as every stage reads it: the seal format, checking files and reading single records.

The crawler writes and seals WARC files (``crawler.evidence``); the triage UI shows archived pages and
exports photos from them, and ``signaal evidence verify`` checks them. The reading side lives on the
ground floor so that all of them share one implementation of the format and of the checks.
"""
