"""Search: ranked full-text hits over every fact and the source texts."""

from flask.views import MethodView

from api import fulltext
from api.errors import bad_parameter
from api.pagination import decode_offset, encode_cursor, envelope
from api.parser import Blueprint
from api.queries import collection_view
from schemas.search import SearchPageSchema, SearchQuerySchema

blp = Blueprint("search", __name__, url_prefix="/v1/search", description="Full-text search.")


@blp.route("")
class Search(MethodView):
    @collection_view(blp, SearchQuerySchema, SearchPageSchema)
    def get(self, args):
        """Search every fact and source text, best match first"""
        limit, offset = args["limit"], decode_offset(args.get("cursor"))
        try:
            hits, total = fulltext.search(args["q"], args.get("type"), limit, offset)
        except fulltext.EmptyQuery as error:
            bad_parameter("q", str(error))
        more = offset + limit < total
        return envelope(
            hits, total, limit, encode_cursor("offset", offset + limit) if more else None
        )
