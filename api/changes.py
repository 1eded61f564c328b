"""The change feed: every write, oldest first, for journalists who poll."""

from flask.views import MethodView
from sqlalchemy import select

from api.models import Change
from api.pagination import paginate
from api.parser import Blueprint
from api.queries import apply_filters, collection_view
from schemas.changes import ChangePageSchema, ChangeQuerySchema

blp = Blueprint("changes", __name__, url_prefix="/v1/changes", description="Every write.")


@blp.route("")
class Changes(MethodView):
    @collection_view(blp, ChangeQuerySchema, ChangePageSchema)
    def get(self, args):
        """List changes, oldest first: poll with `since` or follow `links.next`"""
        statement = apply_filters(select(Change), args, {"resource": (Change.resource, None)})
        if args.get("since"):
            statement = statement.where(Change.at >= args["since"])
        return paginate(statement, args, Change)
