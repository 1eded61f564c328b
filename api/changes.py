"""The change feed: every write, oldest first, for journalists who poll."""

from flask.views import MethodView

from api.formats import csv_table
from api.models import Change
from api.pagination import list_items
from api.routing import Blueprint
from api.views import query_arguments
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
