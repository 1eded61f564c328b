"""The routes: each collection's own (api/resources/items.py, from schemas/collections.py), what
a few of them add (actors, proposals, sources, stances), and the views across collections
(briefing, disagreements, search, spreadsheets) and of the service itself (ops)."""

from api.http.routing import Blueprint
from api.resources import (
    actors,
    briefing,
    disagreements,
    ops,
    proposals,
    search,
    sources,
    spreadsheets,
    stances,
)
from api.resources.items import blueprint_of
from schemas.collections import COLLECTIONS

# Each of these adds routes to its collection's blueprint as it is imported.
EXTENDED = (actors, proposals, sources, stances)


def blueprints() -> list[Blueprint]:
    """Every blueprint of the API, in the order the spec lists their tags."""
    own = [blueprint_of(kind.name) for kind in COLLECTIONS]
    return [ops.blp, *own, briefing.blp, disagreements.blp, search.blp, spreadsheets.blueprint()]
