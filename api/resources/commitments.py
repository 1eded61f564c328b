"""Commitments: defence-spending figures tied to an actor."""

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
from api.store.models import Commitment
from api.store.pagination import list_items
from api.store.renders import read_item
from api.store.writes import create, delete, update
from schemas.commitments import (
    CommitmentInputSchema,
    CommitmentItemQuerySchema,
    CommitmentPageSchema,
    CommitmentPatchSchema,
    CommitmentQuerySchema,
    CommitmentSchema,
)

blp = Blueprint(
    "commitments", __name__, url_prefix="/v1/commitments", description="Defence-spending figures."
)


@blp.route("")
class Commitments(MethodView):
    @query_arguments(blp, CommitmentQuerySchema)
    @blp.response(200, CommitmentPageSchema)
    @csv_table(CommitmentPageSchema)
    def get(self, args):
        """List spending commitments"""
        return list_items(Commitment, args, CommitmentQuerySchema)

    @guarded("editor")
    @blp.arguments(CommitmentInputSchema)
    @blp.response(201, CommitmentSchema)
    @documents_creation(blp)
    @with_item_etag(CommitmentSchema)
    def post(self, data):
        """Create a commitment"""
        return create(Commitment, CommitmentSchema, data)


@blp.route("/<item_id:commitment_id>")
class CommitmentById(MethodView):
    @query_arguments(blp, CommitmentItemQuerySchema)
    @blp.response(200, CommitmentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @with_item_etag(CommitmentSchema)
    def get(self, args, commitment_id):
        """Get a spending commitment by id"""
        return read_item(Commitment, commitment_id)

    @guarded("editor", if_match=True)
    @blp.arguments(CommitmentPatchSchema)
    @blp.response(200, CommitmentSchema)
    @documents_change(blp)
    @with_item_etag(CommitmentSchema)
    def patch(self, data, commitment_id):
        """Change a commitment; send If-Match"""
        return update(Commitment, CommitmentSchema, commitment_id, data)

    @guarded("editor", if_match=True, body=False)
    @blp.response(204)
    @documents_deletion(blp)
    def delete(self, commitment_id):
        """Delete a commitment nothing refers to; send If-Match"""
        delete(Commitment, CommitmentSchema, commitment_id)
