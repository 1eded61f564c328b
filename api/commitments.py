"""Commitments: defence-spending figures tied to an actor."""

from flask.views import MethodView
from sqlalchemy import select

from api.models import Actor, Commitment
from api.pagination import paginate
from api.parser import Blueprint
from api.queries import apply_filters, collection_view, get_or_404, item_view
from api.writes import create, create_view, delete, delete_view, update, update_view
from schemas.commitments import (
    CommitmentItemQuerySchema,
    CommitmentPageSchema,
    CommitmentPatchSchema,
    CommitmentQuerySchema,
    CommitmentSchema,
)
from schemas.common import partial

blp = Blueprint(
    "commitments", __name__, url_prefix="/v1/commitments", description="Defence-spending figures."
)

FILTERS = {
    "actor": (Commitment.actor_id, Actor),
    "applies_to": (Commitment.applies_to, Actor),
    "metric": (Commitment.metric, None),
    "kind": (Commitment.kind, None),
}


def list_commitments(args, **fixed):
    """One page of commitments, optionally pinned to an actor."""
    statement = apply_filters(select(Commitment).filter_by(**fixed), args, FILTERS)
    return paginate(statement, args, Commitment)


@blp.route("")
class Commitments(MethodView):
    @collection_view(blp, CommitmentQuerySchema, CommitmentPageSchema)
    def get(self, args):
        """List spending commitments"""
        return list_commitments(args)

    @create_view(blp, CommitmentSchema)
    def post(self, data):
        """Create a commitment"""
        return create(Commitment, CommitmentSchema, data)


@blp.route("/<item_id:commitment_id>")
class CommitmentById(MethodView):
    @item_view(blp, CommitmentItemQuerySchema, CommitmentSchema)
    def get(self, args, commitment_id):
        """Get a spending commitment by id"""
        return get_or_404(Commitment, commitment_id)

    @update_view(blp, partial(CommitmentPatchSchema), CommitmentSchema)
    def patch(self, data, commitment_id):
        """Change a commitment; send If-Match"""
        return update(Commitment, CommitmentSchema, commitment_id, data)

    @delete_view(blp)
    def delete(self, commitment_id):
        """Delete a commitment nothing refers to; send If-Match"""
        delete(Commitment, CommitmentSchema, commitment_id)
