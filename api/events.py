"""Events: meetings and summits."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.models import Actor, Event, Proposal
from api.pagination import paginate
from api.queries import apply_filters, get_or_404, query_arguments
from schemas.common import ItemQuerySchema
from schemas.events import EventPageSchema, EventQuerySchema, EventSchema

blp = Blueprint("events", __name__, url_prefix="/v1/events", description="Meetings and summits.")

LOAD = (
    selectinload(Event.participants),
    selectinload(Event.proposals),
    selectinload(Event.evidence),
)
FILTERS = {
    "kind": (Event.kind, None),
    "participant": (Event.participants, Actor),
    "proposal": (Event.proposals, Proposal),
}


@blp.route("")
class Events(MethodView):
    @query_arguments(blp, EventQuerySchema)
    @blp.response(200, EventPageSchema)
    def get(self, args):
        """List events"""
        return paginate(apply_filters(select(Event), args, FILTERS), args, Event, options=LOAD)


@blp.route("/<event_id>")
class EventById(MethodView):
    @query_arguments(blp, ItemQuerySchema)
    @blp.response(200, EventSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, event_id):
        """Get an event by id"""
        return get_or_404(Event, event_id, options=LOAD)
