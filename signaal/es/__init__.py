"""es package (being built)."""
