"""Load briefing bundles (article text + curated YAML facts) through the API's own schemas."""

import hashlib
from pathlib import Path

import yaml
from marshmallow import Schema, ValidationError, fields

from api.cache import bump_data_version
from api.database import write_transaction
from api.errors import describe, flatten
from api.extensions import db
from api.fulltext import reindex
from api.models import (
    Actor,
    ActorRole,
    Commitment,
    Event,
    Evidence,
    Proposal,
    Provision,
    Source,
    Stance,
    Statement,
)
from schemas.actors import ActorSchema
from schemas.commitments import CommitmentSchema
from schemas.common import Reference
from schemas.events import EventSchema
from schemas.proposals import ProposalSchema
from schemas.sources import SourceSchema
from schemas.stances import StanceSchema
from schemas.statements import StatementSchema

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"

# Loading order: each collection refers only to those above it.
COLLECTIONS = (
    ("actors", Actor, ActorSchema),
    ("proposals", Proposal, ProposalSchema),
    ("events", Event, EventSchema),
    ("stances", Stance, StanceSchema),
    ("commitments", Commitment, CommitmentSchema),
    ("statements", Statement, StatementSchema),
)


class FieldError(ValueError):
    """A value that passed the schema but not the database: an unknown reference, a bad quote."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SeedError(Exception):
    """A bundle that cannot be loaded; the message names the file, the item and the field."""


class Bundle:
    """One validated bundle: a source and its facts, not yet in the database."""

    def __init__(self, path: Path):
        self.path = path
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise SeedError(f"{path}: cannot read: {error}") from error
        if not isinstance(document, dict) or not isinstance(document.get("source"), dict):
            raise SeedError(f"{path}: must be a mapping with a 'source' and fact lists")
        unknown = set(document) - {"source", *(name for name, _, _ in COLLECTIONS)}
        if unknown:
            raise SeedError(f"{path}: unknown sections: {', '.join(sorted(unknown))}")
        source = dict(document["source"])
        text_file = source.pop("text_file", None)
        if text_file:
            try:
                source["text"] = (path.parent / text_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise SeedError(f"{path}: source.text_file: cannot read: {error}") from error
        self.source = self.load(SourceSchema, source, "source")
        self.items = {
            name: [
                self.load(schema, item, f"{name}[{index}]")
                for index, item in enumerate(document.get(name) or [])
            ]
            for name, _, schema in COLLECTIONS
        }

    def load(self, schema: type[Schema], data, where: str) -> dict:
        try:
            return schema().load(data)
        except ValidationError as error:
            item_id = data.get("id") if isinstance(data, dict) else None
            label = f"{where} (id {item_id})" if item_id else where
            raise SeedError(f"{self.path}: {label}: {describe(flatten(error.messages))}") from error


def bundle_paths(directory: Path = SEED_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def place(
    span: dict, texts: dict[str, str], default_source: str | None
) -> tuple[str, int, int, str]:
    """Where a quote sits in its source; offsets are found when the quote occurs once."""
    source_id = span.get("source_id") or default_source
    quote = span["quote"]
    if source_id is None:
        raise ValueError("give the id of the source the quote comes from ('source')")
    if source_id not in texts:
        raise ValueError(f"unknown source '{source_id}'")
    text = texts[source_id]
    if "start" in span:
        start = span["start"]
        end = span.get("end", start + len(quote))
        if text[start:end] != quote:
            raise ValueError(
                f"quote is not verbatim at {start}..{end} of '{source_id}', "
                f"which reads {text[start:end]!r}"
            )
        return source_id, start, end, quote
    count = text.count(quote)
    if count != 1:
        found = "is not in" if count == 0 else f"occurs {count} times in"
        hint = "; copy it exactly" if count == 0 else "; give its start offset"
        raise ValueError(f"quote {quote!r} {found} source '{source_id}'{hint}")
    start = text.index(quote)
    return source_id, start, start + len(quote), quote


def set_if_changed(item, name: str, value) -> None:
    """Assign only real changes, so that reloading the same data writes nothing."""
    if getattr(item, name) != value:
        setattr(item, name, value)


def lookup(model, item_id: str):
    found = db.session.get(model, item_id)
    if found is None:
        raise ValueError(f"unknown {model.collection.removesuffix('s')} '{item_id}'")
    return found


def is_list(field) -> bool:
    return isinstance(field, fields.List)


def apply_fields(item, data: dict, schema: Schema, lists: bool) -> None:
    """Copy loaded fields onto a model, resolving references to the items they name.

    Scalars and single references go first (`lists=False`); lists second, once every item they
    may name exists.
    """
    for name, value in data.items():
        field = schema.fields[name]
        if name == "evidence" or is_list(field) != lists:
            continue
        try:
            apply_field(item, name, value, field)
        except ValueError as error:
            raise FieldError(name, str(error)) from error


def apply_field(item, name: str, value, field) -> None:
    relationship = getattr(type(item), name).property
    if name == "roles":
        roles = [(role["title"], role["of"]) for role in value]
        if [(role.title, role.of_id) for role in item.roles] != roles:
            item.roles = [
                ActorRole(position=index, title=title, of=of and lookup(Actor, of))
                for index, (title, of) in enumerate(roles)
            ]
    elif name == "provisions":
        provisions = [(provision["text"], provision["effect"]) for provision in value]
        if [(provision.text, provision.effect) for provision in item.provisions] != provisions:
            item.provisions = [
                Provision(position=index, text=text, effect=effect)
                for index, (text, effect) in enumerate(provisions)
            ]
    elif isinstance(field, Reference):
        set_if_changed(item, name, lookup(relationship.mapper.class_, value))
    elif is_list(field) and isinstance(field.inner, Reference):
        wanted = sorted(set(value))
        if sorted(linked.id for linked in getattr(item, name)) != wanted:
            target = relationship.mapper.class_
            setattr(item, name, [lookup(target, linked) for linked in wanted])
    else:
        set_if_changed(item, name, value)


def apply_evidence(item, spans: list[dict], texts: dict[str, str], default_source=None) -> None:
    placed = []
    for index, span in enumerate(spans):
        try:
            placed.append(place(span, texts, default_source))
        except ValueError as error:
            raise FieldError(f"evidence.{index}.quote", str(error)) from error
    current = [(span.source_id, span.start, span.end, span.quote) for span in item.evidence]
    if current == placed:
        return
    db.session.execute(
        db.delete(Evidence).where(
            Evidence.fact_type == item.collection, Evidence.fact_id == item.id
        )
    )
    db.session.add_all(
        Evidence(
            fact_type=item.collection,
            fact_id=item.id,
            position=index,
            source_id=source_id,
            start=start,
            end=end,
            quote=quote,
        )
        for index, (source_id, start, end, quote) in enumerate(placed)
    )
    db.session.expire(item, ["evidence"])


def apply_item(model, data: dict, schema: Schema, lists: bool, texts, source_id: str) -> None:
    item = db.session.get(model, data["id"])
    if item is None:
        item = model(id=data["id"])
        db.session.add(item)
    apply_fields(item, data, schema, lists)
    if lists:
        apply_evidence(item, data["evidence"], texts, source_id)


def apply_source(data: dict, source: Source | None = None) -> Source:
    """Create or update a source; its hash and word count follow its text."""
    source = source or db.session.get(Source, data["id"]) or Source(id=data["id"])
    db.session.add(source)
    for name, value in data.items():
        set_if_changed(source, name, value)
    if "text" in data:
        text = data["text"]
        set_if_changed(source, "sha256", hashlib.sha256(text.encode()).hexdigest())
        set_if_changed(source, "word_count", len(text.split()))
    return source


def apply_bundle(bundle: Bundle) -> dict[str, int]:
    """Write one bundle into the session; return how many items of each kind it holds."""
    source = apply_source(bundle.source)
    db.session.flush()
    texts = dict(db.session.execute(db.select(Source.id, Source.text)).all())
    counts = {"sources": 1}
    for name, model, schema_class in COLLECTIONS:
        schema = schema_class()
        items = bundle.items[name]
        # Scalars first, lists second: items of one collection may name each other.
        for lists in (False, True):
            for index, data in enumerate(items):
                try:
                    with db.session.no_autoflush:
                        apply_item(model, data, schema, lists, texts, source.id)
                except ValueError as error:
                    where = f"{bundle.path}: {name}[{index}] (id {data['id']})"
                    raise SeedError(f"{where}: {error}") from error
            db.session.flush()
        counts[name] = len(items)
    return counts


def reset_database() -> None:
    """Empty every table but the API tokens and the data version."""
    for table in reversed(db.Model.metadata.sorted_tables):
        if table.name not in ("api_tokens", "data_version"):
            db.session.execute(table.delete())


def seed(paths: list[Path], reset: bool = False) -> dict[str, int]:
    """Load bundles all or nothing; return the item counts."""
    bundles = [Bundle(path) for path in paths]
    totals: dict[str, int] = {}
    with write_transaction():
        try:
            if reset:
                reset_database()
            for bundle in bundles:
                for name, count in apply_bundle(bundle).items():
                    totals[name] = totals.get(name, 0) + count
            reindex()
            bump_data_version()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return totals
