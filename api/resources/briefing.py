"""The whole briefing in one document, for a page that renders it in one call."""

from collections import defaultdict

from flask.views import MethodView
from sqlalchemy import select

from api.extensions import db
from api.http.arguments import query_arguments
from api.http.routing import Blueprint
from api.store.models import (
    Actor,
    Attributed,
    Commitment,
    Event,
    Evidence,
    Proposal,
    Source,
    Stance,
    Statement,
)
from api.store.queries import load_options, resolve
from schemas.briefing import BriefingQuerySchema, BriefingSchema

blp = Blueprint("briefing", __name__, url_prefix="/v1/briefing", description="Everything at once.")


def every(model, args):
    """Every item of `model`; with `source`, those drawn from it (the sources: those); with
    `basis`, the claims of that basis (actors and sources stay whole)."""
    statement = select(model).options(*load_options(model)).order_by(model.id)
    if args.get("basis") and issubclass(model, Attributed):
        statement = statement.where(model.basis.in_(args["basis"]))
    if args.get("source"):
        sources = [resolve(Source, "source", value) for value in args["source"]]
        if model is Source:
            statement = statement.where(Source.id.in_(sources))
        else:
            statement = statement.where(model.evidence.any(Evidence.source_id.in_(sources)))
    return db.session.scalars(statement).all()


@blp.route("")
class Briefing(MethodView):
    @query_arguments(blp, BriefingQuerySchema)
    @blp.response(200, BriefingSchema)
    def get(self, args):
        """Get the whole briefing: sources, actors, proposals with stances, and the rest"""
        stances_by_proposal = defaultdict(list)
        for stance in every(Stance, args):
            stances_by_proposal[stance.proposal_id].append(stance)
        # With `basis`, a proposal stays when it or one of its stances has that basis.
        bases = args.get("basis")
        all_proposals = [
            proposal
            for proposal in every(Proposal, {**args, "basis": None})
            if not bases or proposal.basis in bases or proposal.id in stances_by_proposal
        ]
        for proposal in all_proposals:
            proposal.stances = stances_by_proposal[proposal.id]
        document = {
            "sources": every(Source, args),
            "actors": every(Actor, args),
            "proposals": all_proposals,
            "commitments": every(Commitment, args),
            "events": every(Event, args),
            "statements": every(Statement, args),
        }
        document["counts"] = {name: len(items) for name, items in document.items()}
        document["counts"]["stances"] = sum(map(len, stances_by_proposal.values()))
        return document
