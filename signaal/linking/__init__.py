"""linking package (being built)."""
