"""Actors: what an actor's routes add to its collection's (api/resources/items.py): the stances
it takes and the spending figures tied to it."""

from flask.views import MethodView

from api.http.arguments import query_arguments
from api.http.formats import page_view
from api.resources.items import blueprint_of
from api.store.models import Actor, Commitment, Stance
from api.store.pagination import list_items
from api.store.queries import get_or_404
from schemas.commitments import CommitmentPageSchema, CommitmentQuerySchema
from schemas.stances import StancePageSchema, StanceQuerySchema

blp = blueprint_of("actors")


@blp.route("/v1/actors/<item_id:actor_id>/stances")
class ActorStances(MethodView):
    @query_arguments(blp, StanceQuerySchema)
    @blp.response(200, StancePageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @page_view(StancePageSchema)
    def get(self, args, actor_id):
        """List an actor's stances"""
        return list_items(Stance, args, StanceQuerySchema, actor_id=get_or_404(Actor, actor_id).id)


@blp.route("/v1/actors/<item_id:actor_id>/commitments")
class ActorCommitments(MethodView):
    @query_arguments(blp, CommitmentQuerySchema)
    @blp.response(200, CommitmentPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @page_view(CommitmentPageSchema)
    def get(self, args, actor_id):
        """List an actor's spending commitments"""
        actor = get_or_404(Actor, actor_id)
        return list_items(Commitment, args, CommitmentQuerySchema, actor_id=actor.id)
