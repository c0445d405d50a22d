"""`flask retention`: list (with --dry-run) or carry out what the retention rules delete."""

from __future__ import annotations

import click

from likeness.platform.actor import CLI


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Only list what the next run deletes.")
def retention_command(dry_run: bool) -> None:
    """List or run the retention purges (the daily run does this every day)."""
    from likeness.cockpit import retention

    plans = retention.plan()
    for rule_plan in plans:
        click.echo(f"{rule_plan.rule} ({rule_plan.period} {rule_plan.unit}): "
                   f"{len(rule_plan.due)} due, {len(rule_plan.held)} kept by a legal hold")
        for item in rule_plan.due:
            click.echo(f"  {'would delete' if dry_run else 'delete'} {item.ref} "
                       f"(since {item.due_since.isoformat()[:10]})")
        for item in rule_plan.held:
            click.echo(f"  keep {item.ref} (legal hold)")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    counts = retention.execute(plans, actor=CLI)
    click.echo(f"Done: {sum(counts.values())} item(s) purged or flagged.")
