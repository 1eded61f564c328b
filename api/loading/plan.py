"""Deciding, item by item, what loading a bundle does to the database (add, update, leave
alone, and why), by the rules of `seed`, `import` or `seed --reset`; nothing is written here."""

from dataclasses import dataclass

from marshmallow import Schema, fields

from api.extensions import db
from api.loading.checks import check_quotes, check_source, check_summaries
from api.loading.files import Bundle
from api.store.chronology import sources_backing
from api.store.feed import (
    IMPORT_WRITER,
    LOADERS,
    SEED_WRITER,
    in_words,
    latest_changes,
)
from api.store.models import model_of
from schemas.collections import collection_named, items
from schemas.items import RestatedSchema
from schemas.references import Reference

ALREADY_THERE = "already in the database"


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
        yield name, schema_field.to, value
    elif isinstance(schema_field, fields.List):
        for element in value:
            yield from field_references(name, schema_field.inner, element)
    elif isinstance(schema_field, fields.Nested):  # a part of the item: a role, a provision
        for key, inner in value.items():
            yield from field_references(f"{name}.{key}", schema_field.schema.fields[key], inner)


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
    for name in (kind.name for kind in items()):
        model = model_of(name)
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
        (name, data["id"]): list(references(collection_named(name).item(), data, source_id))
        for name, _, data in entries
    }
    for name, _, data in bundle.restatements():
        refs.setdefault((name, data["id"]), list(references(RestatedSchema(), data, source_id)))
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
                kept[key] = f"{in_words(change)}; left as the editor made it"
            elif rules.update_existing:
                actions[key] = "update"
            else:
                kept[key] = ALREADY_THERE + (f" ({in_words(change)})" if edited else "")
        elif (
            change is not None
            and change.method == "DELETE"
            and rules.keep_deleted
            and not (returning)
        ):
            kept[key] = f"{in_words(change)}; not brought back"
        else:
            actions[key] = "add"
    restate(bundle, rules, actions, kept, existing, latest)
    check_source(bundle)
    check_quotes(bundle)
    check_summaries(bundle)
    deleted = {key for key, change in latest.items() if change.method == "DELETE"}
    known = set(refs) | existing | deleted
    for name, index, data in bundle.restatements():
        if (name, data["id"]) not in existing | deleted:
            singular = name.removesuffix("s")
            message = (
                f"unknown {singular} '{data['id']}': restate only what another source "
                "reported first; list a new item in its section"
            )
            bundle.report(name, index, data, message, restated=True)
    for name, index, data in entries:
        for field_name, collection, ref in refs[(name, data["id"])]:
            if (collection, ref) not in known | bundle.invalid:
                singular = collection.removesuffix("s")
                message = f"{field_name}: unknown {singular} '{ref}'"
                bundle.report(name, index, data, message, field_name)
    bundle.check()
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


def restate(bundle: Bundle, rules: Rules, actions: dict, kept: dict, existing, latest) -> None:
    """Items another source reported first add what this article says ('restate'): listed in
    its `restated` section, or in their own section unless marked `corrects: true` (which
    replaces what the other article said). Their other spans, and fields, stay."""
    source_id = bundle.source["id"]
    backing = sources_backing(existing)
    for name, _, data in bundle.entries():
        key = (name, data["id"])
        elsewhere = backing.get(key, set()) - {source_id}
        if actions.get(key) == "update" and elsewhere and key not in bundle.corrections:
            actions[key] = "restate"
    for name, _, data in bundle.restatements():
        key = (name, data["id"])
        change = latest.get(key)
        if key not in existing:
            if change is not None:  # deleted (an unknown id is an error: `plan`)
                kept[key] = f"{in_words(change)}; not brought back"
        elif rules.keep_edited and change is not None and change.token_name not in LOADERS:
            kept[key] = f"{in_words(change)}; left as the editor made it"
        elif rules.update_existing or source_id not in backing.get(key, set()):
            actions[key] = "restate"
        else:
            kept[key] = ALREADY_THERE
