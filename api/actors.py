"""Actors: people, countries, organizations and groups named in the sources."""

from flask.views import MethodView
from sqlalchemy import select

from api.commitments import list_commitments
from api.models import Actor
from api.pagination import paginate
from api.parser import Blueprint
from api.queries import apply_filters, collection_view, get_or_404, item_view
from api.stances import list_stances
from api.writes import create, create_view, delete, delete_view, update, update_view
from schemas.actors import (
    ActorItemQuerySchema,
    ActorPageSchema,
    ActorPatchSchema,
    ActorQuerySchema,
    ActorSchema,
)
from schemas.commitments import CommitmentPageSchema, CommitmentQuerySchema
from schemas.common import partial
from schemas.stances import StancePageSchema, StanceQuerySchema

blp = Blueprint(
    "actors",
    __name__,
    url_prefix="/v1/actors",
    description="People, countries, organizations and groups.",
)

FILTERS = {
    "kind": (Actor.kind, None),
    "iso_code": (Actor.iso_code, None),
    "member": (Actor.members, Actor),
    "role_of": (Actor.roles, Actor, "of_id"),
}


@blp.route("")
class Actors(MethodView):
    @collection_view(blp, ActorQuerySchema, ActorPageSchema)
    def get(self, args):
        """List actors"""
        return paginate(apply_filters(select(Actor), args, FILTERS), args, Actor)

    @create_view(blp, ActorSchema)
    def post(self, data):
        """Create an actor"""
        return create(Actor, ActorSchema, data)


@blp.route("/<item_id:actor_id>")
class ActorById(MethodView):
    @item_view(blp, ActorItemQuerySchema, ActorSchema)
    def get(self, args, actor_id):
        """Get an actor by id"""
        return get_or_404(Actor, actor_id)

    @update_view(blp, partial(ActorPatchSchema), ActorSchema)
    def patch(self, data, actor_id):
        """Change an actor; send If-Match"""
        return update(Actor, ActorSchema, actor_id, data)

    @delete_view(blp)
    def delete(self, actor_id):
        """Delete an actor nothing refers to; send If-Match"""
        delete(Actor, ActorSchema, actor_id)


@blp.route("/<item_id:actor_id>/stances")
class ActorStances(MethodView):
    @collection_view(blp, StanceQuerySchema, StancePageSchema, of_item=True)
    def get(self, args, actor_id):
        """List an actor's stances"""
        return list_stances(args, actor_id=get_or_404(Actor, actor_id).id)


@blp.route("/<item_id:actor_id>/commitments")
class ActorCommitments(MethodView):
    @collection_view(blp, CommitmentQuerySchema, CommitmentPageSchema, of_item=True)
    def get(self, args, actor_id):
        """List an actor's spending commitments"""
        return list_commitments(args, actor_id=get_or_404(Actor, actor_id).id)
