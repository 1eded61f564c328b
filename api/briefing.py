"""The whole briefing in one document, for a page that renders it in one call."""

from collections import defaultdict

from flask.views import MethodView
from sqlalchemy import select

from api.extensions import db
from api.models import Actor, Commitment, Event, Proposal, Source, Stance, Statement
from api.queries import load_options
from api.routing import Blueprint
from api.views import query_arguments
from schemas.briefing import BriefingQuerySchema, BriefingSchema

blp = Blueprint("briefing", __name__, url_prefix="/v1/briefing", description="Everything at once.")


def every(model):
    return db.session.scalars(select(model).options(*load_options(model)).order_by(model.id)).all()


@blp.route("")
class Briefing(MethodView):
    @query_arguments(blp, BriefingQuerySchema)
    @blp.response(200, BriefingSchema)
    def get(self, args):
        """Get the whole briefing: sources, actors, proposals with stances, and the rest"""
        stances_by_proposal = defaultdict(list)
        for stance in every(Stance):
            stances_by_proposal[stance.proposal_id].append(stance)
        all_proposals = every(Proposal)
        for proposal in all_proposals:
            proposal.stances = stances_by_proposal[proposal.id]
        document = {
            "sources": every(Source),
            "actors": every(Actor),
            "proposals": all_proposals,
            "commitments": every(Commitment),
            "events": every(Event),
            "statements": every(Statement),
        }
        document["counts"] = {name: len(items) for name, items in document.items()}
        document["counts"]["stances"] = sum(map(len, stances_by_proposal.values()))
        return document
