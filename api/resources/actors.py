"""Actors: people, countries, organizations and groups named in the sources."""

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
from api.store.models import Actor, Commitment, Stance
from api.store.pagination import list_items
from api.store.queries import get_or_404
from api.store.renders import read_item
from api.store.writes import create, delete, update
from schemas.actors import (
    ActorInputSchema,
    ActorItemQuerySchema,
    ActorPageSchema,
    ActorPatchSchema,
    ActorQuerySchema,
    ActorSchema,
)
from schemas.commitments import CommitmentPageSchema, CommitmentQuerySchema
from schemas.stances import StancePageSchema, StanceQuerySchema

blp = Blueprint(
    "actors",
    __name__,
    url_prefix="/v1/actors",
    description="People, countries, organizations and groups.",
)


@blp.route("")
class Actors(MethodView):
    @query_arguments(blp, ActorQuerySchema)
    @blp.response(200, ActorPageSchema)
    @csv_table(ActorPageSchema)
    def get(self, args):
        """List actors"""
        return list_items(Actor, args, ActorQuerySchema)

    @guarded("editor")
    @blp.arguments(ActorInputSchema)
    @blp.response(201, ActorSchema)
    @documents_creation(blp)
    @with_item_etag(ActorSchema)
    def post(self, data):
        """Create an actor"""
        return create(Actor, ActorSchema, data)


@blp.route("/<item_id:actor_id>")
class ActorById(MethodView):
    @query_arguments(blp, ActorItemQuerySchema)
    @blp.response(200, ActorSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @with_item_etag(ActorSchema)
    def get(self, args, actor_id):
        """Get an actor by id"""
        return read_item(Actor, actor_id)

    @guarded("editor", if_match=True)
    @blp.arguments(ActorPatchSchema)
    @blp.response(200, ActorSchema)
    @documents_change(blp)
    @with_item_etag(ActorSchema)
    def patch(self, data, actor_id):
        """Change an actor; send If-Match"""
        return update(Actor, ActorSchema, actor_id, data)

    @guarded("editor", if_match=True, body=False)
    @blp.response(204)
    @documents_deletion(blp)
    def delete(self, actor_id):
        """Delete an actor nothing refers to; send If-Match"""
        delete(Actor, ActorSchema, actor_id)


@blp.route("/<item_id:actor_id>/stances")
class ActorStances(MethodView):
    @query_arguments(blp, StanceQuerySchema)
    @blp.response(200, StancePageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @csv_table(StancePageSchema)
    def get(self, args, actor_id):
        """List an actor's stances"""
        return list_items(Stance, args, StanceQuerySchema, actor_id=get_or_404(Actor, actor_id).id)


@blp.route("/<item_id:actor_id>/commitments")
class ActorCommitments(MethodView):
    @query_arguments(blp, CommitmentQuerySchema)
    @blp.response(200, CommitmentPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @csv_table(CommitmentPageSchema)
    def get(self, args, actor_id):
        """List an actor's spending commitments"""
        actor = get_or_404(Actor, actor_id)
        return list_items(Commitment, args, CommitmentQuerySchema, actor_id=actor.id)
