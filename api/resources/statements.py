"""Statements: remarks the sources report an actor making."""

from flask.views import MethodView

from api.http.formats import csv_table
from api.http.guards import guarded
from api.http.headers import with_item_etag
from api.http.routing import Blueprint
from api.http.views import query_arguments
from api.http.write_docs import (
    documents_change,
    documents_creation,
    documents_deletion,
)
from api.store.models import Statement
from api.store.pagination import list_items
from api.store.renders import read_item
from api.store.writes import create, delete, update
from schemas.statements import (
    StatementInputSchema,
    StatementItemQuerySchema,
    StatementPageSchema,
    StatementPatchSchema,
    StatementQuerySchema,
    StatementSchema,
)

blp = Blueprint(
    "statements", __name__, url_prefix="/v1/statements", description="Reported remarks."
)


@blp.route("")
class Statements(MethodView):
    @query_arguments(blp, StatementQuerySchema)
    @blp.response(200, StatementPageSchema)
    @csv_table(StatementPageSchema)
    def get(self, args):
        """List statements"""
        return list_items(Statement, args, StatementQuerySchema)

    @guarded("editor")
    @blp.arguments(StatementInputSchema)
    @blp.response(201, StatementSchema)
    @documents_creation(blp)
    @with_item_etag(StatementSchema)
    def post(self, data):
        """Create a statement"""
        return create(Statement, StatementSchema, data)


@blp.route("/<item_id:statement_id>")
class StatementById(MethodView):
    @query_arguments(blp, StatementItemQuerySchema)
    @blp.response(200, StatementSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @with_item_etag(StatementSchema)
    def get(self, args, statement_id):
        """Get a statement by id"""
        return read_item(Statement, statement_id)

    @guarded("editor", if_match=True)
    @blp.arguments(StatementPatchSchema)
    @blp.response(200, StatementSchema)
    @documents_change(blp)
    @with_item_etag(StatementSchema)
    def patch(self, data, statement_id):
        """Change a statement; send If-Match"""
        return update(Statement, StatementSchema, statement_id, data)

    @guarded("editor", if_match=True, body=False)
    @blp.response(204)
    @documents_deletion(blp)
    def delete(self, statement_id):
        """Delete a statement nothing refers to; send If-Match"""
        delete(Statement, StatementSchema, statement_id)
