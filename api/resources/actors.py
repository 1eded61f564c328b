"""Actors: what an actor's routes add to its collection's (api/resources/items.py): the stances
it takes and the spending figures tied to it."""

from api.resources.items import blueprint_of, related_list_view
from api.store.models import Actor

blp = blueprint_of("actors")
blp.route("/v1/actors/<item_id:actor_id>/stances")(
    related_list_view(blp, Actor, "stances", "actor_id", "List an actor's stances")
)
blp.route("/v1/actors/<item_id:actor_id>/commitments")(
    related_list_view(blp, Actor, "commitments", "actor_id", "List an actor's spending commitments")
)
