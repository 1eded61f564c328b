"""Statements: remarks the sources report an actor making."""

from flask.views import MethodView
from sqlalchemy import select

from api.models import Actor, Statement
from api.pagination import paginate
from api.parser import Blueprint
from api.queries import apply_filters, collection_view, get_or_404, item_view
from api.writes import create, create_view, delete, delete_view, update, update_view
from schemas.common import partial
from schemas.statements import (
    StatementItemQuerySchema,
    StatementPageSchema,
    StatementPatchSchema,
    StatementQuerySchema,
    StatementSchema,
)

blp = Blueprint(
    "statements", __name__, url_prefix="/v1/statements", description="Reported remarks."
)

FILTERS = {
    "speaker": (Statement.speaker_id, Actor),
    "about": (Statement.about, Actor),
}


@blp.route("")
class Statements(MethodView):
    @collection_view(blp, StatementQuerySchema, StatementPageSchema)
    def get(self, args):
        """List statements"""
        statement = apply_filters(select(Statement), args, FILTERS)
        return paginate(statement, args, Statement)

    @create_view(blp, StatementSchema)
    def post(self, data):
        """Create a statement"""
        return create(Statement, StatementSchema, data)


@blp.route("/<item_id:statement_id>")
class StatementById(MethodView):
    @item_view(blp, StatementItemQuerySchema, StatementSchema)
    def get(self, args, statement_id):
        """Get a statement by id"""
        return get_or_404(Statement, statement_id)

    @update_view(blp, partial(StatementPatchSchema), StatementSchema)
    def patch(self, data, statement_id):
        """Change a statement; send If-Match"""
        return update(Statement, StatementSchema, statement_id, data)

    @delete_view(blp)
    def delete(self, statement_id):
        """Delete a statement nothing refers to; send If-Match"""
        delete(Statement, StatementSchema, statement_id)
