"""What the read views share: the query string validated, and the request's choices of
shape (`?expand=`, `?fields=`) scoped to it."""

import functools

from flask import g, request
from marshmallow import RAISE

from api.http.cache import serve_equivalent
from api.http.errors import permanent_redirect
from api.http.routing import SPARSE
from api.store.queries import bad_parameter, published_by_then
from schemas.context import chosen_fields, compact_json, expanded, published_by
from schemas.pages import SPARSE_JSON


def query_arguments(blp, schema):
    """Validate the query string (an unknown or invalid parameter is a 400 naming it), and let
    the dump of the answer embed the references `?expand=` names and keep only the fields
    `?fields=` names."""

    def decorate(view):
        shaped_view = shaped(view)
        # A JSON list that takes `fields=` answers at `<path>.sparse` too (api/http/routing.py).
        shaped_view.narrows_fields = "fields" in schema._declared_fields
        # One instance for every request: building a schema copies each of its fields.
        return blp.arguments(schema(), location="query", unknown=RAISE, error_status_code=400)(
            shaped_view
        )

    return decorate


def shaped(view):
    """Set this request's `expand` and `fields` choices while its answer is built and dumped
    (`@blp.response` sits inside, so its dump sees them); they end with the request. A JSON
    page narrowed by `fields` lives at `<path>.sparse` and says so in its media type
    (`SPARSE_JSON`); asked for at the full list's path, it answers 308 to there."""

    @functools.wraps(view)
    def wrapper(self, args, *more, **kwargs):
        sparse = request.path.endswith(SPARSE)
        if sparse and not args.get("fields"):
            full = request.path.removesuffix(SPARSE)
            bad_parameter("fields", f"Name the fields to keep; the whole items are at {full}.")
        if args.get("fields") and not sparse and not g.csv:
            query = request.query_string.decode("latin-1")
            return permanent_redirect(f"{request.path}{SPARSE}?{query}")
        cached = serve_equivalent(args)
        if cached is not None:
            return cached
        expand = expanded.set(frozenset(args.get("expand", ())))
        chosen = chosen_fields.set(frozenset(args.get("fields", ())))
        compact = compact_json.set(not (g.csv or g.pretty))
        then = published_by.set(published_by_then(args["as_of"]) if args.get("as_of") else None)
        try:
            response = view(self, args, *more, **kwargs)
        finally:
            expanded.reset(expand)
            chosen_fields.reset(chosen)
            compact_json.reset(compact)
            published_by.reset(then)
        if sparse and response.mimetype == "application/json":
            response.mimetype = SPARSE_JSON
        return response

    return wrapper
