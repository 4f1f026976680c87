"""Commands of this part (placeholder until its owner fills it in)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this part's commands to the ``signaal`` application."""
