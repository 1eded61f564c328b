"""CLI commands: `seed`, `import`, `retire`, `tokens` and `synth`."""

from pathlib import Path

import click
from flask import Blueprint
from flask.cli import AppGroup

from api.extensions import db
from api.http.auth import ROLES, create_token
from api.loading.bundles import edited_items, import_bundle, seed
from api.loading.draft import draft
from api.loading.files import SeedError, bundle_paths
from api.loading.synth import synthesize
from api.store.commits import end_write, write_transaction
from api.store.feed import RETIRE_WRITER
from api.store.models import ApiToken, Source, utcnow
from api.store.retirement import StillReferenced, retire, retirement

commands = Blueprint("commands", __name__, cli_group=None)


@commands.cli.command("seed")
@click.option(
    "--reset",
    is_flag=True,
    help="Delete every source and fact, editors' work included, then load the YAML afresh.",
)
@click.option("--yes", is_flag=True, help="With --reset: do not ask for confirmation.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def seed_command(reset: bool, yes: bool, paths: tuple[Path, ...]):
    """Add the items of the bundles in seed/ (or PATHS) that the database lacks, all or
    nothing; existing items, edited or not, are left as they are. Safe to repeat."""
    if reset:
        edited = edited_items()
        undone = f", undoing the editors' work on {', '.join(edited)}" if edited else ""
        click.echo(
            f"--reset deletes every source and fact and reloads them from the YAML{undone}. "
            "The change feed records every deletion."
        )
        if not yes:
            click.confirm("Reset the database?", abort=True)
    try:
        reports = seed(list(paths) or bundle_paths(), reset=reset)
    except SeedError as error:
        raise click.ClickException(f"{error}\nNothing was loaded.") from error
    for report in reports:
        click.echo("Seeded " + "\n".join(report.lines()))


@commands.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Validate the bundle and say what importing it would do; write nothing. Exit code 1 "
    "if anything is wrong, with every problem listed.",
)
def import_command(path: Path, check: bool):
    """Load one bundle (article + YAML facts), all or nothing: add its new items, update the
    ones nobody has edited since they were loaded, leave edited and deleted ones alone. Every
    problem of the bundle is reported at once, with its line."""
    try:
        report = import_bundle(path, check=check)
    except SeedError as error:
        count = len(error.problems)
        found = f"{count} problem{'s' if count != 1 else ''}"
        nothing = "Nothing was written." if check else "Nothing was imported."
        raise click.ClickException(f"{found}:\n{error}\n{nothing}") from error
    if check:
        click.echo("Checked (nothing written); importing would give " + "\n".join(report.lines()))
    else:
        click.echo("Imported " + "\n".join(report.lines()))


@commands.cli.command("draft")
@click.argument("article", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the draft bundle (default: beside the article, as .yaml).",
)
@click.option("--force", is_flag=True, help="Write over a file already there.")
def draft_command(article: Path, output: Path | None, force: bool):
    """Draft a bundle from an article's text, for an editor to confirm: the source, the actors
    it names (known ones, and capitalised names as candidates), what is said and by whom,
    figures and dated meetings; every span verbatim at its offset, every guess marked."""
    output = output or article.with_suffix(".yaml")
    if output.exists() and not force:
        raise click.ClickException(f"{output} exists: give --output, or --force to replace it.")
    output.write_text(draft(article, output), encoding="utf-8")
    click.echo(f"Drafted {output}: edit it, then `flask import --check {output}`.")


@commands.cli.command("retire")
@click.argument("source_id")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; change nothing.")
def retire_command(source_id: str, dry_run: bool):
    """Delete a source, its spans from facts other sources back too, and the facts drawn only
    from it, all or nothing, recorded in the change feed; refused while other items refer to
    a fact it would delete."""
    try:
        with write_transaction():
            source = db.session.get(Source, source_id)
            if source is None:
                raise click.ClickException(f"No source with id '{source_id}'.")
            if dry_run:
                found = retirement(source)
                if found.blockers:
                    raise StillReferenced(source_id, found.blockers)
                click.echo(retirement_in_words("Would delete", "would lose", found.paths()))
                return
            found = retire(source, RETIRE_WRITER)
            end_write()
    except StillReferenced as error:
        raise click.ClickException(f"{error}\nNothing was deleted.") from error
    click.echo(f"Retired {source_id}: " + retirement_in_words("deleted", "lost", found.paths()))


def retirement_in_words(deleting: str, losing: str, paths: dict[str, list[str]]) -> str:
    deleted, lost = paths["deleted"], paths["lost_evidence"]
    words = f"{deleting} {len(deleted)} items: {', '.join(deleted)}"
    if lost:
        words += f"; {len(lost)} facts {losing} its spans and stay: {', '.join(lost)}"
    return words


tokens = AppGroup("tokens", help="Create, list and revoke editors' API tokens.")
commands.cli.add_command(tokens)


@tokens.command("create")
@click.option("--name", required=True, help="Who or what the token is for.")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
def create_token_command(name: str, role: str):
    """Create a token and print it once; only its hash is kept."""
    if db.session.scalar(db.select(ApiToken).where(ApiToken.name == name)) is not None:
        raise click.ClickException(f"A token named '{name}' exists; revoke it or pick a name.")
    try:
        token = create_token(name, role)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
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
@click.option(
    "--sources",
    type=click.IntRange(1, 1_000_000),
    help="Articles the stances are quoted from (default: one per 100 stances).",
)
def synth_command(stances: int, sources: int | None):
    """Fill an EMPTY database (point DATABASE_URL at a separate one) with a synthetic briefing."""
    if db.session.scalar(db.select(db.func.count()).select_from(Source)):
        raise click.ClickException("This database already holds sources; synth needs an empty one.")
    counts = synthesize(stances, sources=sources)
    click.echo("Synthesized: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
