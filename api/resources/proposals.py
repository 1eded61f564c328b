"""Proposals: plans, demands and targets put forward by actors."""

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
from api.store.models import Proposal, Stance
from api.store.pagination import list_items
from api.store.queries import get_or_404
from api.store.renders import read_item
from api.store.writes import create, delete, update
from schemas.proposals import (
    ProposalInputSchema,
    ProposalItemQuerySchema,
    ProposalPageSchema,
    ProposalPatchSchema,
    ProposalQuerySchema,
    ProposalSchema,
)
from schemas.stances import StancePageSchema, StanceQuerySchema

blp = Blueprint(
    "proposals", __name__, url_prefix="/v1/proposals", description="Plans, demands and targets."
)


@blp.route("")
class Proposals(MethodView):
    @query_arguments(blp, ProposalQuerySchema)
    @blp.response(200, ProposalPageSchema)
    @csv_table(ProposalPageSchema)
    def get(self, args):
        """List proposals"""
        return list_items(Proposal, args, ProposalQuerySchema)

    @guarded("editor")
    @blp.arguments(ProposalInputSchema)
    @blp.response(201, ProposalSchema)
    @documents_creation(blp)
    @with_item_etag(ProposalSchema)
    def post(self, data):
        """Create a proposal"""
        return create(Proposal, ProposalSchema, data)


@blp.route("/<item_id:proposal_id>")
class ProposalById(MethodView):
    @query_arguments(blp, ProposalItemQuerySchema)
    @blp.response(200, ProposalSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @with_item_etag(ProposalSchema)
    def get(self, args, proposal_id):
        """Get a proposal by id"""
        return read_item(Proposal, proposal_id)

    @guarded("editor", if_match=True)
    @blp.arguments(ProposalPatchSchema)
    @blp.response(200, ProposalSchema)
    @documents_change(blp)
    @with_item_etag(ProposalSchema)
    def patch(self, data, proposal_id):
        """Change a proposal; send If-Match"""
        return update(Proposal, ProposalSchema, proposal_id, data)

    @guarded("editor", if_match=True, body=False)
    @blp.response(204)
    @documents_deletion(blp)
    def delete(self, proposal_id):
        """Delete a proposal nothing refers to; send If-Match"""
        delete(Proposal, ProposalSchema, proposal_id)


@blp.route("/<item_id:proposal_id>/stances")
class ProposalStances(MethodView):
    @query_arguments(blp, StanceQuerySchema)
    @blp.response(200, StancePageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @csv_table(StancePageSchema)
    def get(self, args, proposal_id):
        """List the stances on a proposal"""
        proposal = get_or_404(Proposal, proposal_id)
        return list_items(Stance, args, StanceQuerySchema, proposal_id=proposal.id)
