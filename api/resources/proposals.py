"""Proposals: what a proposal's routes add to its collection's (api/resources/items.py): the
stances taken on it."""

from flask.views import MethodView

from api.http.arguments import query_arguments
from api.http.formats import page_view
from api.resources.items import blueprint_of
from api.store.models import Proposal, Stance
from api.store.pagination import list_items
from api.store.queries import get_or_404
from schemas.stances import StancePageSchema, StanceQuerySchema

blp = blueprint_of("proposals")


@blp.route("/v1/proposals/<item_id:proposal_id>/stances")
class ProposalStances(MethodView):
    @query_arguments(blp, StanceQuerySchema)
    @blp.response(200, StancePageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @page_view(StancePageSchema)
    def get(self, args, proposal_id):
        """List the stances on a proposal"""
        proposal = get_or_404(Proposal, proposal_id)
        return list_items(Stance, args, StanceQuerySchema, proposal_id=proposal.id)
