"""Writes: create, change and delete items, validated, versioned and recorded in the change
feed, in the current transaction; whoever writes (an editor's request, a loader) commits."""

import re
import unicodedata

import orjson
from flask_smorest import abort
from sqlalchemy import select

from api.extensions import db
from api.search import index
from api.store import chronology, renders
from api.store.facts import (
    FieldError,
    SourceTexts,
    apply_evidence,
    apply_fields,
    apply_source,
    as_given,
)
from api.store.feed import record
from api.store.models import Attributed, Commitment, Evidence, Source, Stance, utcnow
from api.store.rules import TOLD_IN, actor_names, infer_status, twin_source, unsaid_by_evidence
from api.store.version import remembered
from schemas.claims import attribution_problem
from schemas.collections import collection_named
from schemas.commitments import metric_problems

SLUG_MAX = 80


def apply_write(item, data: dict, schema) -> None:
    """Apply a validated body to an item; unknown references or bad quotes are a 422. A
    PATCH's `add_evidence` adds spans after the item's own (or after `evidence`'s)."""
    data = dict(data)
    added = data.pop("add_evidence", None)
    if added is not None:
        kept = data.get("evidence") or [as_given(span) for span in item.evidence]
        data["evidence"] = kept + added
    try:
        if isinstance(item, Source):
            apply_source(data, item)
            if problem := twin_source(item.id, item.sha256):
                db.session.rollback()
                abort(409, message=problem)
            db.session.flush()
            chronology.order_sources_now()  # its place among the others, as the answer shows
            db.session.expire(item, ["reported_order", "ordered_by"])
            return
        with db.session.no_autoflush:
            apply_fields(item, data, schema, lists=False)
        db.session.flush()
        apply_fields(item, data, schema, lists=True)
        check_attribution(item)
        check_metric(item)
        if isinstance(item, Stance) and (problem := chronology.supersedes_problem(item)):
            raise FieldError("supersedes", problem)
        if "evidence" in data:
            apply_evidence(item, data["evidence"], SourceTexts())
        check_own_words(item)
        infer_status(item, data, [span.quote for span in item.evidence])
    except FieldError as error:
        db.session.rollback()  # what was flushed before the error is undone, not left pending
        abort(422, message=f"Invalid request body. {error}", errors={error.field: [error.message]})


def check_attribution(item) -> None:
    """A claim's basis and actor go together also after a PATCH that changed one of them."""
    if isinstance(item, Attributed):
        asserted_by = item.asserted_by.id if item.asserted_by else None
        problem = attribution_problem(item.basis, asserted_by)
        if problem:
            raise FieldError("asserted_by", problem)


def check_metric(item) -> None:
    """A commitment's figures and currency fit its metric also after a PATCH of one of them."""
    if isinstance(item, Commitment):
        values = {"value_min": item.value_min, "value_max": item.value_max}
        for field, message in metric_problems(item.metric, item.currency, values).items():
            raise FieldError(field, message)


def check_own_words(item) -> None:
    """Its summary, description, outcome or condition say no more than its evidence, as an
    import checks (api/store/rules.py)."""
    told = {field: getattr(item, field, None) for field in TOLD_IN}
    quotes = [span.quote for span in item.evidence]
    names = remembered(("rules", "actor names"), actor_names)
    for field, message in unsaid_by_evidence(item.id, told, quotes, names)[:1]:
        raise FieldError(field, message)


def slugify(text: str) -> str:
    """'Lancaster House' → 'lancaster-house': ASCII words joined by hyphens, at most 80."""
    letters = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    slug = re.sub(r"[^a-z0-9]+", "-", letters.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0]
    return slug


def new_id(model, schema, data: dict) -> str:
    """A readable id for an item sent without one, unique in its collection ('-2' and on)."""
    parts = collection_named(model.collection).slug_parts or (model.label_field,)
    base = slugify(" ".join(str(data[part]) for part in parts if data.get(part) is not None))
    base = base or model.collection.removesuffix("s")
    candidate, number = base, 1
    while db.session.get(model, candidate) is not None or candidate in schema.RESERVED_IDS:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def refuse_taken_id(item_id: str):
    abort(409, message=f"'{item_id}' already exists: PATCH it, or choose another id.")


def create(model, schema, data: dict, who: str) -> tuple[object, dict]:
    """Add an item (409 if its id is taken), recorded in the feed as `who`'s; return it and its
    dump, for the answer, the feed and its stored render alike. The caller commits."""
    item_id = data.get("id") or new_id(model, schema, data)
    if db.session.get(model, item_id) is not None:
        refuse_taken_id(item_id)
    item = model(id=item_id)
    db.session.add(item)
    apply_write(item, data, schema)
    db.session.flush()
    if isinstance(item, Stance) and "supersedes" not in data:
        chronology.infer_supersedes(item)
        db.session.flush()
    after = schema.dump(item)
    record("POST", item, None, after, who)
    return item, after


def update(item, schema, data: dict, who: str) -> dict:
    """Change an item, recorded in the feed as `who`'s; return its dump. The caller commits."""
    before = as_it_is(item, schema)
    renders.note(item)  # what shows the item now may not show it after: render it afresh
    stood = None if isinstance(item, Source) else chronology.where_it_stands(item)
    item.updated_at = utcnow()  # an UPDATE even when only links change: the version moves on
    apply_write(item, data, schema)
    db.session.flush()
    if stood is not None:
        chronology.note_change(item, stood)
    after = schema.dump(item)
    record("PATCH", item, before, after, who)
    return after


def as_it_is(item, schema) -> dict:
    """The item as it is before a write: its stored render, or a dump where it has none."""
    rendered = getattr(item, "rendered", None)
    return orjson.loads(rendered) if rendered else schema.dump(item)


def remove_item(item, schema, who: str) -> None:
    """Delete an item with its evidence and its search row, recording it, in this transaction."""
    before = schema.dump(item)
    renders.note(item)
    if isinstance(item, Stance):
        chronology.note_pair(item)
    if not isinstance(item, Source):
        db.session.execute(
            db.delete(Evidence).where(
                Evidence.fact_type == item.collection, Evidence.fact_id == item.id
            )
        )
    else:
        chronology.note_sources_changed(item.id)
    index.unindex_item(item)
    db.session.delete(item)
    record("DELETE", item, before, None, who)


def delete(item, schema, who: str) -> None:
    """Delete an item nobody refers to (409 if one does), recorded in the feed as `who`'s. The
    caller commits."""
    dependants = find_dependants(item)
    if dependants:
        abort(
            409,
            message=f"Other items refer to '{item.id}': change or delete them first.",
            errors={"dependants": dependants},
        )
    remove_item(item, schema, who)


def find_dependants(item) -> list[str]:
    """Paths of the items that refer to `item`, found through every foreign key to its table.

    Keys declared ON DELETE CASCADE are the item's own parts (its roles, provisions, links it
    holds), not dependants.
    """
    found = []
    for table in db.Model.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is not item.__table__ or key.ondelete == "CASCADE":
                continue
            owner = owner_column(table)
            rows = db.session.execute(select(*owner).where(key.parent == item.id)).all()
            found += [describe_owner(table, row) for row in rows]
    return sorted(set(found))


def owner_column(table):
    """The columns that say which item a referring row belongs to."""
    if table.name == "evidence":
        return [table.c.fact_type, table.c.fact_id]
    cascading = [key.parent for key in table.foreign_keys if key.ondelete == "CASCADE"]
    return cascading or [table.c.id]


def describe_owner(table, row) -> str:
    if table.name == "evidence":
        return f"/v1/{row[0]}/{row[1]}"
    cascading = [key for key in table.foreign_keys if key.ondelete == "CASCADE"]
    collection = cascading[0].column.table.name if cascading else table.name
    return f"/v1/{collection}/{row[0]}"
