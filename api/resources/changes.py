"""The change feed: every write, oldest first, for journalists who poll."""

from flask.views import MethodView

from api.http.formats import csv_table
from api.http.routing import Blueprint
from api.http.views import query_arguments
from api.store.models import Change
from api.store.pagination import list_items
from schemas.changes import ChangePageSchema, ChangeQuerySchema

blp = Blueprint("changes", __name__, url_prefix="/v1/changes", description="Every write.")


@blp.route("")
class Changes(MethodView):
    @query_arguments(blp, ChangeQuerySchema)
    @blp.response(200, ChangePageSchema)
    @csv_table(ChangePageSchema)
    def get(self, args):
        """List changes, oldest first: poll with `since` or follow `links.next`"""
        return list_items(Change, args, ChangeQuerySchema)
