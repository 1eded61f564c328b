"""Writes by editors: validated, versioned, recorded in the change feed, all or nothing."""

import functools
import hashlib
import io
import json
import re
import unicodedata
from datetime import timedelta
from http import HTTPStatus

from flask import current_app, g, request
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api import fulltext
from api.auth import BEARER, require_role
from api.cache import bump_data_version
from api.extensions import db
from api.facts import FieldError, apply_evidence, apply_fields, apply_source
from api.feed import record
from api.models import Evidence, IdempotentResponse, Source, utcnow
from api.queries import get_or_404
from api.responses import remember_version

# Strong comparison (RFC 9110 §13.1.1): a weak tag W/"…" never matches.
IF_MATCH_VERSION = re.compile(r'^"v(\d+)\.[0-9a-f]+"$')
JSON_TYPES = ("application/json",)
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, 1–200
IDEMPOTENCY_WINDOW = timedelta(hours=24)
# What a new item's id is made of, when the client does not choose one: its name or title,
# or these fields.
SLUG_PARTS = {
    "stances": ("actor", "position", "proposal"),
    "commitments": ("actor", "kind", "value_max"),
    "statements": ("speaker", "summary"),
}
SLUG_MAX = 80


def guarded(role: str, if_match: bool = False, body: bool = True):
    """Check, before the body is parsed, what every write needs: a well-formed Idempotency-Key
    if any, a token, JSON and If-Match."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            check_idempotency_key()
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


def check_idempotency_key() -> None:
    """An Idempotency-Key, when sent, is 1–200 visible ASCII characters: anything else is a
    400 before anything is read or written."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY_PATTERN.match(key):
        message = "Use 1 to 200 visible ASCII characters (no spaces), e.g. a UUID."
        abort(
            400,
            message=f"Invalid Idempotency-Key header. {message}",
            errors={"Idempotency-Key": [message]},
        )


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
    "description": "A unique string per request (e.g. a UUID), 1–200 visible ASCII characters. "
    "A retried POST with the same key, path and body, from the same token within 24 hours, is "
    "answered with the first answer, not redone; the same key with another request is a 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
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
        view = documented(blp, 400, 401, 403, 409, 413, 415, 422, header=IDEMPOTENCY_KEY)(view)
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
    """412 unless If-Match is `*` or names, strongly, the version of the item as it is now."""
    header = request.headers["If-Match"]
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags:
        return
    versions = {int(m.group(1)) for tag in tags if (m := IF_MATCH_VERSION.match(tag))}
    if item.version not in versions:
        weak = any(tag.startswith("W/") for tag in tags)
        abort(
            412,
            message=(
                "A weak ETag (W/…) never matches: send the ETag exactly as GET returned it. "
                if weak
                else ""
            )
            + f"This item is now version {item.version}: GET it again, reapply your change, "
            "and send the new ETag in If-Match.",
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


def commit_write(*indexed) -> None:
    """End a write: reindex what it touched, move the data version on (cached answers made
    before it are stale from now), and commit, all in the write's own transaction."""
    for item in indexed:
        fulltext.index_item(item)
    bump_data_version()
    db.session.commit()


def request_fingerprint() -> str:
    """What makes two requests the same: method, path and query, and the body's JSON (key
    order and spacing aside)."""
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    seen = f"{request.method} {request.full_path.rstrip('?')}\n{canonical}"
    return hashlib.sha256(seen.encode("utf-8", "surrogatepass")).hexdigest()


def stored_answer(key: str):
    """The answer stored for this token's key within the window, replayed if this request is
    the one it was made for; a 422 if the key came with another request."""
    found = db.session.get(IdempotentResponse, (g.token_name, key))
    if found is None or found.created_at < utcnow() - IDEMPOTENCY_WINDOW:
        return None
    if found.fingerprint != request_fingerprint():
        abort(
            422,
            message=f"The Idempotency-Key '{key}' was already used for another request "
            f"(POST {found.path}, other body) in the last 24 hours: send a new key for a new "
            "request. Nothing was written.",
            errors={"Idempotency-Key": ["Already used for another request."]},
        )
    response = current_app.json.response(found.body)
    response.status_code = found.status
    response.headers["Location"] = found.body["url"]
    response.headers["Idempotent-Replayed"] = "true"
    g.item_version = found.body.get("version", 1)
    return response


def claim_key(key: str) -> IdempotentResponse:
    """Hold the key for this request inside its transaction: a concurrent request with the
    same key waits on it (the database's lock on the row), then replays this one's answer."""
    db.session.execute(
        db.delete(IdempotentResponse).where(
            IdempotentResponse.created_at < utcnow() - IDEMPOTENCY_WINDOW
        )
    )
    claim = IdempotentResponse(
        token_name=g.token_name,
        key=key,
        fingerprint=request_fingerprint(),
        path=request.path,
        status=0,
        body={},
    )
    db.session.add(claim)
    db.session.flush()
    return claim


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
        replay = stored_answer(key)
        if replay is not None:
            return replay
        try:
            claim = claim_key(key)
        except IntegrityError:  # another request holds this key, and has now committed
            db.session.rollback()
            return stored_answer(key) or abort(
                409,
                message=f"A request with the Idempotency-Key '{key}' is still being processed: "
                "retry in a moment to get its answer.",
            )
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
        claim.status, claim.body = 201, after
    try:
        commit_write(item)
    except IntegrityError:
        db.session.rollback()
        refuse_taken_id(item_id)
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
    commit_write(item)
    return item


def remove_item(item, schema, who=None) -> None:
    """Delete an item with its evidence and its search row, recording it, in this transaction."""
    before = schema.dump(item)
    if not isinstance(item, Source):
        db.session.execute(
            db.delete(Evidence).where(
                Evidence.fact_type == item.collection, Evidence.fact_id == item.id
            )
        )
    fulltext.unindex_item(item)
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
