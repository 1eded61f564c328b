"""Actors: people, countries, organizations and groups named in the sources."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.commitments import list_commitments
from api.models import Actor, ActorRole
from api.pagination import paginate
from api.queries import apply_filters, get_or_404, query_arguments
from api.stances import list_stances
from schemas.actors import ActorPageSchema, ActorQuerySchema, ActorSchema
from schemas.commitments import CommitmentPageSchema, CommitmentQuerySchema
from schemas.common import ItemQuerySchema
from schemas.stances import StancePageSchema, StanceQuerySchema

blp = Blueprint(
    "actors",
    __name__,
    url_prefix="/v1/actors",
    description="People, countries, organizations and groups.",
)

LOAD = (
    selectinload(Actor.roles).selectinload(ActorRole.of),
    selectinload(Actor.members),
    selectinload(Actor.evidence),
)
FILTERS = {
    "kind": (Actor.kind, None),
    "iso_code": (Actor.iso_code, None),
    "member": (Actor.members, Actor),
    "role_of": (Actor.roles, Actor, "of_id"),
}


@blp.route("")
class Actors(MethodView):
    @query_arguments(blp, ActorQuerySchema)
    @blp.response(200, ActorPageSchema)
    def get(self, args):
        """List actors"""
        return paginate(apply_filters(select(Actor), args, FILTERS), args, Actor, options=LOAD)


@blp.route("/<actor_id>")
class ActorById(MethodView):
    @query_arguments(blp, ItemQuerySchema)
    @blp.response(200, ActorSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, actor_id):
        """Get an actor by id"""
        return get_or_404(Actor, actor_id, options=LOAD)


@blp.route("/<actor_id>/stances")
class ActorStances(MethodView):
    @query_arguments(blp, StanceQuerySchema)
    @blp.response(200, StancePageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, actor_id):
        """List an actor's stances"""
        return list_stances(args, actor_id=get_or_404(Actor, actor_id).id)


@blp.route("/<actor_id>/commitments")
class ActorCommitments(MethodView):
    @query_arguments(blp, CommitmentQuerySchema)
    @blp.response(200, CommitmentPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, actor_id):
        """List an actor's spending commitments"""
        return list_commitments(args, actor_id=get_or_404(Actor, actor_id).id)
