"""Proposals: plans, demands and targets put forward by actors."""

from flask.views import MethodView
from sqlalchemy import select

from api.models import Actor, Event, Proposal
from api.pagination import paginate
from api.parser import Blueprint
from api.queries import apply_filters, collection_view, get_or_404, item_view
from api.stances import list_stances
from api.writes import create, create_view, delete, delete_view, update, update_view
from schemas.common import partial
from schemas.proposals import (
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

FILTERS = {
    "kind": (Proposal.kind, None),
    "status": (Proposal.status, None),
    "proposer": (Proposal.proposers, Actor),
    "event": (Proposal.events, Event),
    "effect": (Proposal.provisions, None, "effect"),
}


@blp.route("")
class Proposals(MethodView):
    @collection_view(blp, ProposalQuerySchema, ProposalPageSchema)
    def get(self, args):
        """List proposals"""
        statement = apply_filters(select(Proposal), args, FILTERS)
        return paginate(statement, args, Proposal)

    @create_view(blp, ProposalSchema)
    def post(self, data):
        """Create a proposal"""
        return create(Proposal, ProposalSchema, data)


@blp.route("/<item_id:proposal_id>")
class ProposalById(MethodView):
    @item_view(blp, ProposalItemQuerySchema, ProposalSchema)
    def get(self, args, proposal_id):
        """Get a proposal by id"""
        return get_or_404(Proposal, proposal_id)

    @update_view(blp, partial(ProposalPatchSchema), ProposalSchema)
    def patch(self, data, proposal_id):
        """Change a proposal; send If-Match"""
        return update(Proposal, ProposalSchema, proposal_id, data)

    @delete_view(blp)
    def delete(self, proposal_id):
        """Delete a proposal nothing refers to; send If-Match"""
        delete(Proposal, ProposalSchema, proposal_id)


@blp.route("/<item_id:proposal_id>/stances")
class ProposalStances(MethodView):
    @collection_view(blp, StanceQuerySchema, StancePageSchema, of_item=True)
    def get(self, args, proposal_id):
        """List the stances on a proposal"""
        return list_stances(args, proposal_id=get_or_404(Proposal, proposal_id).id)
