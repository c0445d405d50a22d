"""`flask create-integration`: an image bank and its first API key from the command line
(for scripted set-ups such as examples/run_dam_demo.sh; admins use the Integrations page)."""

from __future__ import annotations

import click

from likeness.errors import DomainError
from likeness.models import Scope
from likeness.platform.actor import CLI


@click.command("create-integration")
@click.argument("name")
@click.option("--host", "hosts", multiple=True,
              help="A host (or host:port) Likeness may fetch photos from and send webhooks "
                   "to; repeat for more.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice([s.value for s in Scope]),
              help="A scope of the key; repeat for more (default: all).")
def create_integration_command(name: str, hosts: tuple[str, ...],
                               scopes: tuple[str, ...]) -> None:
    """Add an integration and print its API key (shown once)."""
    from likeness.integrations import keys

    try:
        integration = keys.create_integration(name, keys.parse_hosts("\n".join(hosts)),
                                              actor=CLI)
        new = keys.create_key(integration.id, "created on the command line",
                              list(scopes) or [s.value for s in Scope], actor=CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(new.secret)
