"""Writes by editors: create, change and delete items, validated, versioned, recorded in the
change feed, all or nothing."""

import re
import unicodedata

from flask import request
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.extensions import db
from api.http.guards import check_if_match
from api.http.idempotency import keep_answer, replay_or_claim
from api.search import index
from api.store import renders
from api.store.commits import commit_write
from api.store.facts import FieldError, apply_evidence, apply_fields, apply_source
from api.store.feed import record
from api.store.models import Attributed, Evidence, Source, utcnow
from api.store.queries import get_or_404
from schemas.claims import attribution_problem

# What a new item's id is made of, when the client does not choose one: its name or title,
# or these fields.
SLUG_PARTS = {
    "stances": ("actor", "position", "proposal"),
    "commitments": ("actor", "kind", "value_max"),
    "statements": ("speaker", "summary"),
}
SLUG_MAX = 80


def apply_write(item, data: dict, schema) -> None:
    """Apply a validated body to an item; unknown references or bad quotes are a 422."""
    try:
        if isinstance(item, Source):
            apply_source(data, item)
            return
        with db.session.no_autoflush:
            apply_fields(item, data, schema, lists=False)
        db.session.flush()
        apply_fields(item, data, schema, lists=True)
        check_attribution(item)
        if "evidence" in data:
            texts = dict(db.session.execute(select(Source.id, Source.text)).all())
            apply_evidence(item, data["evidence"], texts)
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
    parts = SLUG_PARTS.get(model.collection, (model.label_field,))
    base = slugify(" ".join(str(data[part]) for part in parts if data.get(part) is not None))
    base = base or model.collection.removesuffix("s")
    candidate, number = base, 1
    while db.session.get(model, candidate) is not None or candidate in schema.RESERVED_IDS:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def refuse_taken_id(item_id: str):
    abort(409, message=f"'{item_id}' already exists: PATCH it, or choose another id.")


def create(model, schema_class, data: dict):
    """Create an item (409 if its id is taken); return it with its Location.

    With an Idempotency-Key, the same request again replays the first answer, and a request
    racing it on the same key waits for it and replays it too: never a second write.
    """
    key = request.headers.get("Idempotency-Key")
    if key:
        replay = replay_or_claim(key)
        if replay is not None:
            return replay
    schema = schema_class()
    item_id = data.get("id") or new_id(model, schema, data)
    if db.session.get(model, item_id) is not None:
        refuse_taken_id(item_id)
    item = model(id=item_id)
    db.session.add(item)
    apply_write(item, data, schema)
    db.session.flush()
    after = schema.dump(item)
    record("POST", item, None, after)
    if key:
        keep_answer(key, 201, after)
    try:
        commit_write(item)
    except IntegrityError:
        db.session.rollback()
        refuse_taken_id(item_id)
    return item, 201, {"Location": item.url}


def update(model, schema_class, item_id: str, data: dict):
    """Change an item as it was when the client read it, or 412."""
    item = get_or_404(model, item_id)
    check_if_match(item)
    before = schema_class().dump(item)
    renders.note(item)  # what shows the item now may not show it after: render it afresh
    item.updated_at = utcnow()  # an UPDATE even when only links change: the version moves on
    apply_write(item, data, schema_class())
    db.session.flush()
    if not isinstance(item, Source):
        db.session.expire(item, ["evidence"])
    record("PATCH", item, before, schema_class().dump(item))
    commit_write(item)
    return item


def remove_item(item, schema, who=None) -> None:
    """Delete an item with its evidence and its search row, recording it, in this transaction."""
    before = schema.dump(item)
    renders.note(item)
    if not isinstance(item, Source):
        db.session.execute(
            db.delete(Evidence).where(
                Evidence.fact_type == item.collection, Evidence.fact_id == item.id
            )
        )
    index.unindex_item(item)
    db.session.delete(item)
    record("DELETE", item, before, None, who=who)


def delete(model, schema_class, item_id: str) -> None:
    """Delete an item nobody refers to."""
    item = get_or_404(model, item_id)
    check_if_match(item)
    dependants = find_dependants(item)
    if dependants:
        abort(
            409,
            message=f"Other items refer to '{item_id}': change or delete them first.",
            errors={"dependants": dependants},
        )
    remove_item(item, schema_class())
    commit_write()


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
