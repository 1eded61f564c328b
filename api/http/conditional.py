"""Conditional requests, in one place: an item's ETag is minted here (its version and a digest
of its bytes), If-Match is read here (werkzeug's `request.if_match`) and compared strongly
against the item's version, and the If-Match header is documented here. Reads revalidate with
If-None-Match in the hooks (`make_conditional`); writes must bring If-Match (428 without, 412
when stale)."""

import functools
import hashlib
import re

from flask import current_app, request
from flask_smorest import abort
from werkzeug.wrappers import Response

from api.store.renders import Stored
from schemas.context import compact_json

# The version an ETag of ours names: "v<version>.<digest>".
ETAG_VERSION = re.compile(r"^v(\d+)\.[0-9a-f]+$")
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag of the item as you last read it (or `*`).",
    "schema": {"type": "string", "minLength": 1},
}


def item_etag(body: bytes, version: int) -> str:
    """An item's strong ETag: its version (what If-Match checks) and a digest of these bytes."""
    return f"v{version}.{hashlib.sha1(body).hexdigest()[:20]}"


def tagged(body, version: int, status: int = 200, headers=None) -> Response:
    """The JSON answer of an item, with its ETag."""
    response = current_app.json.response(body)
    response.status_code = status
    response.headers.update(headers or {})
    response.set_etag(item_etag(response.get_data(), version))
    return response


def tagged_bytes(body: bytes, version: int) -> Response:
    """An item's JSON as it was stored (and a newline, as every JSON answer), with its ETag."""
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(item_etag(body, version))
    return response


def with_item_etag(schema_class):
    """Answer with the item the view returns, dumped by `schema_class` (or as stored, or as the
    write dumped it), and tagged with its `item_etag`. Placed under `@blp.response`, which hands
    a ready response on as it is, with the view's status and headers."""
    schema = schema_class()

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            result = view(*args, **kwargs)
            item, *status_and_headers = result if isinstance(result, tuple) else (result,)
            if isinstance(item, Response):
                return result
            if isinstance(item, Stored) and compact_json.get():
                return tagged_bytes(item.rendered.encode() + b"\n", item.version)
            body = item.body if isinstance(item, Stored) else schema.dump(item)
            return tagged(body, item.version, *status_and_headers)

        return wrapper

    return decorate


def require_if_match() -> None:
    """428 unless the request says which version of the item it changes."""
    if not request.headers.get("If-Match", "").strip():
        abort(
            428,
            message="Send 'If-Match' with the ETag from your last GET of this item, "
            "so that you cannot overwrite someone else's change.",
        )


def matches_any_version() -> bool:
    """Whether If-Match is `*`: the item whatever its version."""
    return request.if_match.star_tag


def check_if_match(version: int) -> None:
    """412 unless If-Match is `*` or names, strongly (RFC 9110 §13.1.1: a weak tag W/"…"
    never matches), this version of the item."""
    tags = request.if_match
    if tags.star_tag:
        return
    versions = {int(match.group(1)) for tag in tags if (match := ETAG_VERSION.match(tag))}
    if version not in versions:
        stale(version, weak="W/" in request.headers.get("If-Match", ""))


def stale(version: int, weak: bool = False):
    abort(
        412,
        message=(
            "A weak ETag (W/…) never matches: send the ETag exactly as GET returned it. "
            if weak
            else ""
        )
        + f"This item is now version {version}: GET it again, reapply your change, and send "
        "the new ETag in If-Match.",
    )
