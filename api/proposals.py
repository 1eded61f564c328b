"""Proposals: plans, demands and targets put forward by actors."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.models import Actor, Event, Proposal
from api.pagination import paginate
from api.queries import apply_filters, collection_view, get_or_404, item_view
from api.stances import list_stances
from schemas.proposals import (
    ProposalItemQuerySchema,
    ProposalPageSchema,
    ProposalQuerySchema,
    ProposalSchema,
)
from schemas.stances import StancePageSchema, StanceQuerySchema

blp = Blueprint(
    "proposals", __name__, url_prefix="/v1/proposals", description="Plans, demands and targets."
)

LOAD = (
    selectinload(Proposal.proposers),
    selectinload(Proposal.provisions),
    selectinload(Proposal.events),
    selectinload(Proposal.evidence),
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
        return paginate(statement, args, Proposal, options=LOAD)


@blp.route("/<proposal_id>")
class ProposalById(MethodView):
    @item_view(blp, ProposalItemQuerySchema, ProposalSchema)
    def get(self, args, proposal_id):
        """Get a proposal by id"""
        return get_or_404(Proposal, proposal_id, options=LOAD)


@blp.route("/<proposal_id>/stances")
class ProposalStances(MethodView):
    @collection_view(blp, StanceQuerySchema, StancePageSchema, of_item=True)
    def get(self, args, proposal_id):
        """List the stances on a proposal"""
        return list_stances(args, proposal_id=get_or_404(Proposal, proposal_id).id)
