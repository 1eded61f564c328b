"""Stances: one actor's position on one proposal."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.models import Actor, Proposal, Stance
from api.pagination import paginate
from api.queries import apply_filters, get_or_404, query_arguments
from schemas.common import ItemQuerySchema
from schemas.stances import StancePageSchema, StanceQuerySchema, StanceSchema

blp = Blueprint("stances", __name__, url_prefix="/v1/stances", description="Who stands where.")

LOAD = (selectinload(Stance.actor), selectinload(Stance.proposal), selectinload(Stance.evidence))
FILTERS = {
    "actor": (Stance.actor_id, Actor),
    "proposal": (Stance.proposal_id, Proposal),
    "position": (Stance.position, None),
    "certainty": (Stance.certainty, None),
}


def list_stances(args, **fixed):
    """One page of stances, optionally pinned to an actor or a proposal."""
    statement = apply_filters(select(Stance).filter_by(**fixed), args, FILTERS)
    return paginate(statement, args, Stance, options=LOAD)


@blp.route("")
class Stances(MethodView):
    @query_arguments(blp, StanceQuerySchema)
    @blp.response(200, StancePageSchema)
    def get(self, args):
        """List stances"""
        return list_stances(args)


@blp.route("/<stance_id>")
class StanceById(MethodView):
    @query_arguments(blp, ItemQuerySchema)
    @blp.response(200, StanceSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, stance_id):
        """Get a stance by id"""
        return get_or_404(Stance, stance_id, options=LOAD)
