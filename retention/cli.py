"""`signaal retention apply`: run the retention policy (or show what it would do) and audit it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``retention`` command group."""
    retention = typer.Typer(help="Remove or pseudonymise old ads that are not leads (policy in YAML).")
    app.add_typer(retention, name="retention")

    @retention.command("apply")
    def apply_command(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would happen; change nothing.")] = False,
        policy_file: Annotated[Path | None, typer.Option("--policy", help="Policy YAML (default: built-in).")] = None,
        older_than_days: Annotated[int | None, typer.Option(help="Override the policy's max_age_days.")] = None,
        action: Annotated[str | None, typer.Option(help="Override the policy: delete or pseudonymise.")] = None,
        evidence_dir: Annotated[Path | None, typer.Option(help="WARC directory (default var/evidence).")] = None,
        actor: Annotated[str, typer.Option(help="Who runs this, for the audit log.")] = "retention-job",
    ) -> None:
        """Apply the retention policy: candidates are ads last seen before the cutoff with no protected status."""
        from elasticsearch import ApiError, TransportError

        from retention.apply import apply_retention
        from retention.audit import record_run
        from retention.policy import load_policy
        from retention.pseudonyms import load_or_create_key
        from signaal.es.client import get_client
        from signaal.paths import var_dir

        try:
            policy = load_policy(policy_file)
            overrides = {"max_age_days": older_than_days, "action": action}
            policy = policy.model_validate({**policy.model_dump(), **{k: v for k, v in overrides.items() if v}})
        except ValueError as exc:
            typer.secho(f"error: {exc}", err=True, fg="red")
            raise typer.Exit(2) from None
        es = get_client(component="retention")
        try:
            report = apply_retention(
                es,
                policy,
                dry_run=dry_run,
                key=load_or_create_key(),
                evidence_dir=evidence_dir or var_dir() / "evidence",
            )
            record_run(es, report, actor=actor)
        except (ApiError, TransportError) as exc:
            typer.secho(f"error: Elasticsearch did not answer as expected: {exc}", err=True, fg="red")
            raise typer.Exit(1) from None
        verb = "would act on" if dry_run else "acted on"
        typer.echo(
            f"retention ({policy.action}, last seen before {report.cutoff}): {verb} {report.ads_acted_on} ads "
            f"of {report.candidates} candidates ({report.protected_by_cluster} kept: cluster under investigation)"
        )
        typer.echo(json.dumps(report.as_dict(), indent=2))
        if report.errors:
            raise typer.Exit(1)
