"""kibana package (being built)."""
