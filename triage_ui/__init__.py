"""triage_ui package (being built)."""
