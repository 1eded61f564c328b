"""CLI commands: `flask --app api seed`."""

from pathlib import Path

import click
from flask import Blueprint

from api.seeding import SeedError, bundle_paths, seed

commands = Blueprint("commands", __name__, cli_group=None)


@commands.cli.command("seed")
@click.option("--reset", is_flag=True, help="Empty the database first, then load.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def seed_command(reset: bool, paths: tuple[Path, ...]):
    """Load the briefing bundles in seed/ (or PATHS), all or nothing; safe to repeat."""
    try:
        counts = seed(list(paths) or bundle_paths(), reset=reset)
    except SeedError as error:
        raise click.ClickException(f"{error}\nNothing was loaded.") from error
    click.echo("Seeded: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
