"""Decorators the read views share: the query string validated, `expand` scoped to the request."""

import functools

from marshmallow import RAISE

from schemas.common import expanded


def query_arguments(blp, schema):
    """Validate the query string: an unknown or invalid parameter is a 400 naming it."""
    return blp.arguments(schema, location="query", unknown=RAISE, error_status_code=400)


def expanding(view):
    """Embed, while this request's answer is built, the references its `?expand=` names.

    Placed between the query's validation and `@blp.response`, so that the dump happens inside
    (`schemas.common.Reference` reads the choice), and the choice ends with the request."""

    @functools.wraps(view)
    def wrapper(self, args, *more, **kwargs):
        token = expanded.set(frozenset(args.get("expand", ())))
        try:
            return view(self, args, *more, **kwargs)
        finally:
            expanded.reset(token)

    return wrapper
