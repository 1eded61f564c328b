"""Briefing bundles — an article's text and the facts drawn from it, as YAML — loaded by `seed`
and `import`, and taken out again by retiring their source; none of these undoes an editor.

- `seed` adds what is missing and leaves every existing item as it is.
- `import` adds what is missing and updates the items nobody has edited since they were loaded.
- Neither brings back an item an editor deleted, unless `import` brings back its whole source.
- `seed --reset` is the one way to rebuild from the YAML: it deletes everything first.
Every item any of them adds, changes or deletes is recorded in the change feed.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import tuple_

from api.extensions import db
from api.http.errors import describe, flatten
from api.store import renders
from api.store.commits import end_write, write_transaction
from api.store.facts import apply_evidence, apply_fields, apply_source, place
from api.store.feed import (
    IMPORT_WRITER,
    LOADERS,
    SEED_WRITER,
    latest_changes,
    newest_change_ids,
    record,
)
from api.store.feed import describe as describe_change
from api.store.models import (
    Actor,
    Change,
    Commitment,
    Event,
    Evidence,
    Proposal,
    Source,
    Stance,
    Statement,
    utcnow,
)
from api.store.writes import find_dependants, remove_item
from schemas.actors import ActorSchema
from schemas.commitments import CommitmentSchema
from schemas.events import EventSchema
from schemas.proposals import ProposalSchema
from schemas.references import Reference
from schemas.sources import SourceSchema
from schemas.stances import StanceSchema
from schemas.statements import StatementSchema

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"

# Loading order: each collection refers only to those above it.
COLLECTIONS = (
    ("actors", Actor, ActorSchema),
    ("proposals", Proposal, ProposalSchema),
    ("events", Event, EventSchema),
    ("stances", Stance, StanceSchema),
    ("commitments", Commitment, CommitmentSchema),
    ("statements", Statement, StatementSchema),
)
KINDS = (("sources", Source, SourceSchema), *COLLECTIONS)
MODELS = {name: model for name, model, _ in KINDS}
SCHEMAS = {name: schema for name, _, schema in KINDS}
ALREADY_THERE = "already in the database"


class SeedError(Exception):
    """A bundle that cannot be loaded; the message names the file, the item and the field."""


class StillReferenced(Exception):
    """Retiring would leave other items pointing at what it removes."""

    def __init__(self, source_id: str, paths: list[str]):
        super().__init__(
            f"Other items refer to what retiring '{source_id}' would remove: "
            f"{', '.join(paths)}. Change or delete them first."
        )
        self.paths = paths


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
        item_id = data.get("id") if isinstance(data, dict) else None
        label = f"{where} (id {item_id})" if item_id else where
        try:
            loaded = schema().load(data)
        except ValidationError as error:
            raise SeedError(f"{self.path}: {label}: {describe(flatten(error.messages))}") from error
        if "id" not in loaded:  # the API derives ids; a bundle names every item
            raise SeedError(f"{self.path}: {label}: id: Missing data for required field.")
        return loaded

    def entries(self) -> list[tuple[str, int, dict]]:
        """(collection, index, data) of the source and every fact, in loading order."""
        return [("sources", 0, self.source)] + [
            (name, index, data)
            for name, _, _ in COLLECTIONS
            for index, data in enumerate(self.items[name])
        ]

    def where(self, name: str, index: int, data: dict) -> str:
        label = "source" if name == "sources" else f"{name}[{index}]"
        return f"{self.path}: {label} (id {data['id']})"


def bundle_paths(directory: Path = SEED_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def collection_of(reference: Reference) -> str:
    """'ActorSchema' → 'actors'."""
    return reference.full.removesuffix("Schema").lower() + "s"


def references(schema: Schema, data: dict, source_id: str):
    """(field, collection, id) of every item that a loaded item refers to, its sources too."""
    for span_index, span in enumerate(data.get("evidence", [])):
        yield f"evidence.{span_index}.source", "sources", span.get("source_id") or source_id
    for name, value in data.items():
        if name != "evidence":
            yield from field_references(name, schema.fields[name], value)


def field_references(name: str, schema_field, value):
    if value is None:
        return
    if isinstance(schema_field, Reference):
        yield name, collection_of(schema_field), value
    elif isinstance(schema_field, fields.List):
        for element in value:
            yield from field_references(name, schema_field.inner, element)
    elif isinstance(schema_field, fields.Nested):  # a part of the item: a role, a provision
        for key, inner in value.items():
            yield from field_references(f"{name}.{key}", schema_field.schema.fields[key], inner)


@dataclass
class Report:
    """What one load did to one bundle's items, by path."""

    name: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # left alone, and why

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def lines(self) -> list[str]:
        counts = f"{len(self.added)} added, {len(self.updated)} updated"
        counts += f", {len(self.unchanged)} unchanged, {len(self.kept)} left alone"
        plain = [path for path, reason in self.kept.items() if reason == ALREADY_THERE]
        lines = [f"{self.name}: {counts}."]
        if plain:
            lines.append(f"  left alone: {len(plain)} {ALREADY_THERE}")
        return lines + [
            f"  left alone {path}: {reason}"
            for path, reason in self.kept.items()
            if reason != ALREADY_THERE
        ]


@dataclass
class Rules:
    """How a load treats what is already there."""

    writer: str
    update_existing: bool  # import: bring unedited items up to the YAML
    keep_edited: bool  # never overwrite what an editor changed
    keep_deleted: bool  # never bring back what an editor deleted


SEED = Rules(SEED_WRITER, update_existing=False, keep_edited=True, keep_deleted=True)
IMPORT = Rules(IMPORT_WRITER, update_existing=True, keep_edited=True, keep_deleted=True)
RESET = Rules(SEED_WRITER, update_existing=True, keep_edited=False, keep_deleted=False)


def existing_keys(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    found = set()
    for name, model in MODELS.items():
        ids = [item_id for collection, item_id in keys if collection == name]
        if ids:
            found |= {
                (name, item_id)
                for item_id in db.session.scalars(db.select(model.id).where(model.id.in_(ids)))
            }
    return found


def plan(bundle: Bundle, rules: Rules) -> tuple[dict, dict]:
    """Decide, item by item, what to do: {key: 'add' | 'update'} and {key: why it is kept}.

    Nothing is written. Every reference must resolve (to the bundle, the database, or an item
    that was deleted) and every quote must be verbatim, whatever is then decided.
    """
    source_id = bundle.source["id"]
    entries = bundle.entries()
    refs = {
        (name, data["id"]): list(references(SCHEMAS[name](), data, source_id))
        for name, _, data in entries
    }
    keys = set(refs) | {
        (collection, ref) for found in refs.values() for _, collection, ref in found
    }
    existing = existing_keys(keys)
    latest = latest_changes(keys)
    # A whole source brought back by an import brings back every item of it.
    returning = rules.update_existing and ("sources", source_id) not in existing
    actions, kept = {}, {}
    for name, _, data in entries:
        key = (name, data["id"])
        change = latest.get(key)
        edited = change is not None and change.token_name not in LOADERS
        if key in existing:
            if rules.keep_edited and edited:
                kept[key] = f"{describe_change(change)}; left as the editor made it"
            elif rules.update_existing:
                actions[key] = "update"
            else:
                kept[key] = ALREADY_THERE + (f" ({describe_change(change)})" if edited else "")
        elif (
            change is not None
            and change.method == "DELETE"
            and rules.keep_deleted
            and not (returning)
        ):
            kept[key] = f"{describe_change(change)}; not brought back"
        else:
            actions[key] = "add"
    check_quotes(bundle)
    check_summaries(bundle)
    deleted = {key for key, change in latest.items() if change.method == "DELETE"}
    known = set(refs) | existing | deleted
    for name, index, data in entries:
        for field_name, collection, ref in refs[(name, data["id"])]:
            if (collection, ref) not in known:
                singular = collection.removesuffix("s")
                where = bundle.where(name, index, data)
                raise SeedError(f"{where}: {field_name}: unknown {singular} '{ref}'")
    # An item that refers to something left out is left out too (until nothing more is).
    while True:
        available = existing | {key for key, action in actions.items() if action == "add"}
        missing = {}
        for key in actions:
            absent = [tuple(target) for _, *target in refs[key] if tuple(target) not in available]
            if absent:
                missing[key] = absent[0]
        if not missing:
            return actions, kept
        for key, (collection, ref) in missing.items():
            why = kept.get((collection, ref), "deleted")
            kept[key] = f"refers to /v1/{collection}/{ref}, which is left out: {why}"
            del actions[key]


def check_quotes(bundle: Bundle) -> None:
    """Every span verbatim in its source: the bundle's own text, or one in the database."""
    texts = dict(db.session.execute(db.select(Source.id, Source.text)).all())
    texts[bundle.source["id"]] = bundle.source["text"]
    for name, index, data in bundle.entries()[1:]:
        for span_index, span in enumerate(data["evidence"]):
            try:
                place(span, texts, bundle.source["id"])
            except ValueError as error:
                where = bundle.where(name, index, data)
                raise SeedError(f"{where}: evidence.{span_index}.quote: {error}") from error


# The fields that tell, in our words, what an item's evidence says.
TOLD_IN = ("summary", "description", "outcome", "condition")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def check_summaries(bundle: Bundle) -> None:
    """Our words say no more than the item's own evidence: a summary, description, outcome or
    condition that names a number or an actor (by any of its names) absent from that item's
    quotes is refused, so that no sentence rests on another item's quote."""
    names = actor_names(bundle)
    for name, index, data in bundle.entries()[1:]:
        quotes = " ".join(span["quote"] for span in data["evidence"]).replace("’", "'")
        numbers = NUMBER.findall(quotes)
        for told_in in TOLD_IN:
            told = (data.get(told_in) or "").replace("’", "'")
            missing = [number for number in NUMBER.findall(told) if number not in numbers]
            missing += [
                found
                for actor_id, patterns in names.items()
                for found in named_in(told, patterns)
                if actor_id != data["id"] and not named_in(quotes, patterns)
            ]
            if missing:
                where = bundle.where(name, index, data)
                raise SeedError(
                    f"{where}: {told_in}: names {', '.join(dict.fromkeys(missing))}, which its "
                    "evidence does not: quote the span that says so, or leave it out."
                )


def actor_names(bundle: Bundle) -> dict[str, list[re.Pattern]]:
    """Every actor of the bundle and the database, with a pattern per name it goes by."""
    rows = db.session.execute(
        db.select(Actor.id, Actor.name, Actor.aliases, Actor.reference_aliases)
    )
    actors = {row.id: [row.name, *row.aliases, *row.reference_aliases] for row in rows}
    for data in bundle.items["actors"]:
        actors[data["id"]] = [data["name"], *data["aliases"], *data["reference_aliases"]]
    return {
        actor_id: [re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)") for name in names]
        for actor_id, names in actors.items()
    }


def named_in(text: str, patterns: list[re.Pattern]) -> list[str]:
    return [match.group() for pattern in patterns for match in pattern.finditer(text)]


def apply_plan(bundle: Bundle, actions: dict, report: Report, writer: str) -> None:
    """Write what the plan decided, and record each real change in the feed."""
    before = {
        key: SCHEMAS[key[0]]().dump(db.session.get(MODELS[key[0]], key[1]))
        for key, action in actions.items()
        if action == "update"
    }
    source = bundle.source
    if ("sources", source["id"]) in actions:
        apply_source(source)
    db.session.flush()
    texts = dict(db.session.execute(db.select(Source.id, Source.text)).all())
    for name, model, schema_class in COLLECTIONS:
        schema = schema_class()
        chosen = [(index, data) for index, data in enumerate(bundle.items[name])]
        chosen = [(index, data) for index, data in chosen if (name, data["id"]) in actions]
        # Scalars first, lists second: items of one collection may name each other.
        for lists in (False, True):
            for index, data in chosen:
                try:
                    with db.session.no_autoflush:
                        apply_item(model, data, schema, lists, texts, source["id"])
                except ValueError as error:
                    raise SeedError(f"{bundle.where(name, index, data)}: {error}") from error
            db.session.flush()
    for key, action in actions.items():
        name, item_id = key
        item = db.session.get(MODELS[name], item_id)
        if name != "sources":
            db.session.expire(item, ["evidence"])
        new = SCHEMAS[name]().dump(item)
        path = f"/v1/{name}/{item_id}"
        if action == "add":
            record("POST", item, None, new, who=writer)
            report.added.append(path)
        elif before[key] == new:
            report.unchanged.append(path)
        else:
            item.updated_at = utcnow()  # the version moves on, as for a PATCH
            db.session.flush()
            record("PATCH", item, before[key], SCHEMAS[name]().dump(item), who=writer)
            report.updated.append(path)


def apply_item(model, data: dict, schema: Schema, lists: bool, texts, source_id: str) -> None:
    item = db.session.get(model, data["id"])
    if item is None:
        item = model(id=data["id"])
        db.session.add(item)
    apply_fields(item, data, schema, lists)
    if lists:
        apply_evidence(item, data["evidence"], texts, source_id)


def remove_everything(writer: str) -> None:
    """Delete every source and fact, each recorded as a DELETE; keep tokens and the feed."""
    for _, model, schema_class in reversed(KINDS):
        schema = schema_class()
        for item in db.session.scalars(db.select(model).order_by(model.id)):
            record("DELETE", item, schema.dump(item), None, who=writer)
    for table in reversed(db.Model.metadata.sorted_tables):
        if table.name not in ("api_tokens", "data_version", "changes"):
            db.session.execute(table.delete())


def load(paths: list[Path], rules: Rules, reset: bool = False) -> list[Report]:
    """Load bundles all or nothing, by `rules`; one report per bundle."""
    bundles = [Bundle(path) for path in paths]
    reports = []
    with write_transaction():
        if reset:
            remove_everything(rules.writer)
        for bundle in bundles:
            report = Report(bundle.path.name)
            actions, kept = plan(bundle, rules)
            report.kept = {f"/v1/{name}/{id_}": why for (name, id_), why in kept.items()}
            apply_plan(bundle, actions, report, rules.writer)
            reports.append(report)
        if reset or any(report.changed for report in reports):
            end_write(reindex=True)
        else:
            renders.store_all(missing_only=True)  # a database older than stored renders
    return reports


def seed(paths: list[Path], reset: bool = False) -> list[Report]:
    """Add what the bundles hold and the database does not (or rebuild it all, with reset)."""
    return load(paths, RESET if reset else SEED, reset=reset)


def import_bundle(path: Path) -> Report:
    """Add a bundle's new items and bring its unedited ones up to date."""
    return load([path], IMPORT)[0]


def edited_items() -> list[str]:
    """Paths of the items whose latest change was made through the API, not by a loader."""
    changes = db.session.scalars(
        db.select(Change).where(
            Change.id.in_(newest_change_ids()), Change.token_name.not_in(LOADERS)
        )
    )
    return [f"/v1/{change.resource}/{change.item_id}" for change in changes]


def retirement(source: Source) -> tuple[list, list[str]]:
    """The facts drawn only from `source`, which retire with it, and what would be left
    pointing at them: facts backed by other sources too, and items that refer to them."""
    backing: dict[tuple[str, str], set[str]] = {}
    backed_here = db.select(Evidence.fact_type, Evidence.fact_id).where(
        Evidence.source_id == source.id
    )
    rows = db.session.execute(
        db.select(Evidence.fact_type, Evidence.fact_id, Evidence.source_id).where(
            tuple_(Evidence.fact_type, Evidence.fact_id).in_(backed_here)
        )
    )
    for fact_type, fact_id, source_id in rows:
        backing.setdefault((fact_type, fact_id), set()).add(source_id)
    order = {name: position for position, (name, _, _) in enumerate(COLLECTIONS)}
    only_here = sorted(
        (key for key, sources in backing.items() if sources == {source.id}),
        key=lambda key: (order[key[0]], key[1]),
    )
    facts = [db.session.get(MODELS[name], item_id) for name, item_id in only_here]
    leaving = {fact.url for fact in facts}
    blockers = {
        f"/v1/{name}/{item_id} (also backed by another source)"
        for (name, item_id), sources in backing.items()
        if sources != {source.id}
    }
    for fact in facts:
        blockers |= set(find_dependants(fact)) - leaving
    return facts, sorted(blockers)


def retire(source: Source, writer: str) -> list[str]:
    """Delete a source and the facts drawn only from it, each recorded in the feed, in the
    current transaction (the caller commits); StillReferenced if anything else needs them."""
    facts, blockers = retirement(source)
    if blockers:
        raise StillReferenced(source.id, blockers)
    # One flush at the end, so that the unit of work orders the deletions (roles and links
    # before the actors they name); a flush per item could delete an actor still named.
    with db.session.no_autoflush:
        for fact in facts:
            remove_item(fact, SCHEMAS[fact.collection](), who=writer)
        remove_item(source, SourceSchema(), who=writer)
    db.session.flush()
    return [source.url, *(fact.url for fact in facts)]
