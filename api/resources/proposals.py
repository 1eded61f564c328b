"""Proposals: what a proposal's routes add to its collection's (api/resources/items.py): the
stances taken on it."""

from api.resources.items import blueprint_of, related_list_view
from api.store.models import Proposal

blp = blueprint_of("proposals")
blp.route("/v1/proposals/<item_id:proposal_id>/stances")(
    related_list_view(blp, Proposal, "stances", "proposal_id", "List the stances on a proposal")
)
