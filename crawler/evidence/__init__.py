"""Evidence: every fetched ad page and image in WARC files, sealed with a signed SHA-256 manifest."""
