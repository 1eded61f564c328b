"""CLI commands: `seed`, `import` and `tokens`."""

from pathlib import Path

import click
from flask import Blueprint
from flask.cli import AppGroup

from api.auth import ROLES, create_token
from api.extensions import db
from api.models import ApiToken, Source, utcnow
from api.seeding import SeedError, bundle_paths, seed
from api.synth import synthesize
from api.writes import import_bundle

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


@commands.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path):
    """Load one bundle (article + YAML facts) into the live database, all or nothing."""
    try:
        counts = import_bundle(path)
    except SeedError as error:
        raise click.ClickException(f"{error}\nNothing was imported.") from error
    click.echo(
        f"Imported {path.name}: {counts['added']} added, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged."
    )


tokens = AppGroup("tokens", help="Create, list and revoke editors' API tokens.")
commands.cli.add_command(tokens)


@tokens.command("create")
@click.option("--name", required=True, help="Who or what the token is for.")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
def create_token_command(name: str, role: str):
    """Create a token and print it once; only its hash is kept."""
    if db.session.scalar(db.select(ApiToken).where(ApiToken.name == name)) is not None:
        raise click.ClickException(f"A token named '{name}' exists; revoke it or pick a name.")
    token = create_token(name, role)
    db.session.commit()
    click.echo(token)


@tokens.command("list")
def list_tokens_command():
    """List tokens: name, role, created, revoked."""
    for token in db.session.scalars(db.select(ApiToken).order_by(ApiToken.name)):
        revoked = token.revoked_at.isoformat() if token.revoked_at else "active"
        click.echo(f"{token.name}\t{token.role}\t{token.created_at.isoformat()}\t{revoked}")


@tokens.command("revoke")
@click.argument("name")
def revoke_token_command(name: str):
    """Revoke a token by name; it stops working at once."""
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.name == name))
    if token is None or token.revoked_at is not None:
        raise click.ClickException(f"No active token named '{name}'.")
    token.revoked_at = utcnow()
    db.session.commit()
    click.echo(f"Revoked {name}.")


@commands.cli.command("synth")
@click.option("--stances", type=click.IntRange(1, 10_000_000), required=True)
def synth_command(stances: int):
    """Fill an EMPTY database (point DATABASE_URL at a separate one) with a synthetic briefing."""
    if db.session.scalar(db.select(db.func.count()).select_from(Source)):
        raise click.ClickException("This database already holds sources; synth needs an empty one.")
    counts = synthesize(stances)
    click.echo("Synthesized: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
