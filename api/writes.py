"""Writes by editors: validated, versioned, recorded in the change feed, all or nothing."""

import functools
import io
import re
from http import HTTPStatus

from flask import current_app, g, request
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api import fulltext
from api.auth import BEARER, require_role
from api.cache import bump_data_version
from api.database import write_transaction
from api.extensions import db
from api.models import Change, Evidence, IdempotentResponse, Source, utcnow
from api.queries import get_or_404
from api.responses import remember_version
from api.seeding import (
    COLLECTIONS,
    Bundle,
    FieldError,
    apply_bundle,
    apply_evidence,
    apply_fields,
    apply_source,
)
from schemas.sources import SourceSchema

IF_MATCH_VERSION = re.compile(r'^(?:W/)?"v(\d+)\.')
JSON_TYPES = ("application/json",)
IMPORT_TOKEN = "cli:import"


def guarded(role: str, if_match: bool = False, body: bool = True):
    """Check, before the body is parsed, what every write needs: a token, JSON and If-Match."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            require_role(role)
            if body and request.content_length is None:
                buffer_chunked_body()
            if (
                body
                and request.mimetype not in JSON_TYPES
                and not request.mimetype.endswith("+json")
            ):
                abort(415, message="Send the body as JSON, with 'Content-Type: application/json'.")
            if if_match and not request.headers.get("If-Match", "").strip():
                abort(
                    428,
                    message="Send 'If-Match' with the ETag from your last GET of this item, "
                    "so that you cannot overwrite someone else's change.",
                )
            return view(*args, **kwargs)

        return wrapper

    return decorate


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag of the item as you last read it (or `*`).",
    "schema": {"type": "string", "minLength": 1},
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Any unique string: a retried POST with the same key is answered, not redone.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


def buffer_chunked_body() -> None:
    """A chunked body has no length to refuse up front: read one byte past the limit, so that
    an oversized body is a 413 and never a silently truncated one, then hand the rest on."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    stream, raw = request.environ["wsgi.input"], b""
    try:
        while len(raw) <= limit and (chunk := stream.read(limit + 1 - len(raw))):
            raw += chunk
    except Exception as error:  # the server's own parse errors (bad chunk sizes) and resets
        abort(400, message=f"The chunked body could not be read: {error}.")
    if len(raw) > limit:
        abort(413, message=f"The body is over {limit} bytes.")
    request.environ["wsgi.input"] = io.BytesIO(raw)
    request.environ["CONTENT_LENGTH"] = str(len(raw))


def documented(blp, *statuses: int, header=None):
    """Document the write's security scheme, headers and error statuses."""

    def decorate(view):
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return blp.doc(security=BEARER, parameters=[header] if header else [])(view)

    return decorate


def item_links(blp, *methods: str) -> dict:
    """OpenAPI links from a written item to the item's own operations, passing on its id and
    its ETag as If-Match (what a client, or a stateful fuzzer, does next)."""
    parameter = f"{blp.name.removesuffix('s')}_id"
    path = f"{blp.url_prefix}/{{{parameter}}}".replace("~", "~0").replace("/", "~1")
    links = {}
    for method in methods:
        parameters = {parameter: "$response.body#/id"}
        if method != "get":
            parameters["header.If-Match"] = "$response.header.ETag"
        links[method.capitalize()] = {
            "operationRef": f"#/paths/{path}/{method}",
            "parameters": parameters,
        }
    return links


def create_view(blp, schema, role: str = "editor"):
    """POST to a collection: 201 with Location and ETag; replays an Idempotency-Key."""

    def decorate(view):
        view = remember_version(view)
        view = blp.doc(responses={201: {"links": item_links(blp, "get", "patch", "delete")}})(view)
        view = blp.arguments(schema)(blp.response(201, schema)(view))
        view = documented(blp, 401, 403, 409, 413, 415, header=IDEMPOTENCY_KEY)(view)
        return guarded(role)(view)

    return decorate


def update_view(blp, patch_schema, schema, role: str = "editor"):
    """PATCH an item with If-Match: 200 with the new ETag."""

    def decorate(view):
        view = remember_version(view)
        view = blp.doc(responses={200: {"links": item_links(blp, "get", "patch", "delete")}})(view)
        view = blp.arguments(patch_schema)(blp.response(200, schema)(view))
        view = documented(blp, 401, 403, 404, 412, 413, 415, 428, header=IF_MATCH)(view)
        return guarded(role, if_match=True)(view)

    return decorate


def delete_view(blp, role: str = "editor"):
    """DELETE an item with If-Match: 204, or 409 while others refer to it."""

    def decorate(view):
        view = blp.response(204)(view)
        view = documented(blp, 401, 403, 404, 409, 412, 428, header=IF_MATCH)(view)
        return guarded(role, if_match=True, body=False)(view)

    return decorate


def check_if_match(item) -> None:
    """412 unless If-Match names the version of the item as it is now."""
    header = request.headers["If-Match"]
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags:
        return
    versions = {int(m.group(1)) for tag in tags if (m := IF_MATCH_VERSION.match(tag))}
    if item.version not in versions:
        abort(
            412,
            message=f"This item changed since you read it (it is now version {item.version}): "
            "GET it again, reapply your change, and send the new ETag in If-Match.",
        )


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
        if "evidence" in data:
            texts = dict(db.session.execute(select(Source.id, Source.text)).all())
            apply_evidence(item, data["evidence"], texts)
    except FieldError as error:
        abort(422, message=f"Invalid request body. {error}", errors={error.field: [error.message]})


def record(method: str, item, before: dict | None, after: dict | None, token_name=None) -> None:
    db.session.add(
        Change(
            token_name=token_name or g.token_name,
            method=method,
            resource=item.collection,
            item_id=item.id,
            before=before,
            after=after,
        )
    )


def idempotent_replay():
    """The stored answer to an earlier POST with this Idempotency-Key, if any."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return None
    if len(key) > 200:
        abort(400, errors={"Idempotency-Key": ["Use at most 200 characters."]})
    found = db.session.get(IdempotentResponse, (g.token_name, key))
    if found is None:
        return None
    if found.path != request.path:
        abort(422, errors={"Idempotency-Key": ["This key was used for another request."]})
    response = current_app.json.response(found.body)
    response.status_code = found.status
    response.headers["Location"] = found.body["url"]
    response.headers["Idempotent-Replayed"] = "true"
    g.item_version = found.body.get("version", 1)
    return response


def id_taken(item_id: str):
    abort(409, message=f"'{item_id}' already exists: PATCH it, or choose another id.")


def create(model, schema_class, data: dict):
    """Create an item (409 if its id is taken); return it with its Location."""
    replay = idempotent_replay()
    if replay is not None:
        return replay
    if db.session.get(model, data["id"]) is not None:
        id_taken(data["id"])
    item = model(id=data["id"])
    db.session.add(item)
    apply_write(item, data, schema_class())
    db.session.flush()
    after = schema_class().dump(item)
    record("POST", item, None, after)
    bump_data_version()
    fulltext.index_item(item)
    key = request.headers.get("Idempotency-Key")
    if key:
        db.session.add(
            IdempotentResponse(
                token_name=g.token_name, key=key, path=request.path, status=201, body=after
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        replay = idempotent_replay()
        if replay is not None:
            return replay
        id_taken(data["id"])
    return item, {"Location": item.url}


def update(model, schema_class, item_id: str, data: dict):
    """Change an item as it was when the client read it, or 412."""
    item = get_or_404(model, item_id)
    check_if_match(item)
    before = schema_class().dump(item)
    item.updated_at = utcnow()  # an UPDATE even when only links change: the version moves on
    apply_write(item, data, schema_class())
    db.session.flush()
    if not isinstance(item, Source):
        db.session.expire(item, ["evidence"])
    record("PATCH", item, before, schema_class().dump(item))
    bump_data_version()
    fulltext.index_item(item)
    db.session.commit()
    return item


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
    before = schema_class().dump(item)
    if not isinstance(item, Source):
        db.session.execute(
            db.delete(Evidence).where(
                Evidence.fact_type == item.collection, Evidence.fact_id == item.id
            )
        )
    fulltext.unindex_item(item)
    db.session.delete(item)
    db.session.flush()
    record("DELETE", item, before, None)
    bump_data_version()
    db.session.commit()


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


def import_bundle(path) -> dict[str, int]:
    """Load a bundle into the live database, all or nothing, recording each change."""
    bundle = Bundle(path)
    kinds = [("sources", Source, SourceSchema, [bundle.source])] + [
        (name, model, schema, bundle.items[name]) for name, model, schema in COLLECTIONS
    ]
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    db.session.rollback()  # what follows, reads included, is one write transaction
    with write_transaction():
        try:
            before = {
                (name, data["id"]): schema().dump(found)
                for name, model, schema, items in kinds
                for data in items
                if (found := db.session.get(model, data["id"])) is not None
            }
            apply_bundle(bundle)
            for name, model, schema, items in kinds:
                for data in items:
                    item = db.session.get(model, data["id"])
                    if name != "sources":
                        db.session.expire(item, ["evidence"])
                    old, new = before.get((name, item.id)), schema().dump(item)
                    if old == new:
                        counts["unchanged"] += 1
                        continue
                    if old is not None:
                        item.updated_at = utcnow()  # the version moves on, as for a PATCH
                        db.session.flush()
                        new = schema().dump(item)
                    record("PATCH" if old else "POST", item, old, new, token_name=IMPORT_TOKEN)
                    counts["updated" if old else "added"] += 1
            fulltext.reindex()
            bump_data_version()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return counts
