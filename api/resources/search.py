"""Search: ranked full-text hits over every fact and the source texts."""

from flask.views import MethodView

from api.http.arguments import query_arguments
from api.http.formats import page_view
from api.http.routing import Blueprint
from api.search import engine
from api.search.query import EmptyQuery, parse
from api.store.models import Source
from api.store.pagination import decode_offset, encode_cursor, envelope
from api.store.queries import bad_parameter, resolve
from schemas.search import SearchPageSchema, SearchQuerySchema

blp = Blueprint("search", __name__, description="Full-text search.")


@blp.route("/v1/search")
class Search(MethodView):
    @query_arguments(blp, SearchQuerySchema)
    @blp.response(200, SearchPageSchema)
    @page_view(SearchPageSchema)
    def get(self, args):
        """Search every fact and source text, best match first"""
        return search_hits(args)


def search_hits(args):
    """One page of hits, best first, in its envelope."""
    limit, offset = args["limit"], decode_offset(args.get("cursor"))
    sources = [resolve(Source, "source", value) for value in args.get("source") or []]
    try:
        hits, total, more_matched = engine.search(
            args["q"], args.get("type"), limit, offset, sources
        )
    except EmptyQuery as error:
        bad_parameter("q", str(error))
    more = offset + limit < total
    body = envelope(hits, total, limit, encode_cursor("offset", offset + limit) if more else None)
    body["meta"]["total_is_lower_bound"] = more_matched
    if total == 0:
        body["meta"]["suggestions"] = engine.suggestions(parse(args["q"]))
    return body
