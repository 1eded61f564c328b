"""Events: meetings and summits."""

from flask.views import MethodView
from sqlalchemy import select

from api.models import Actor, Event, Proposal
from api.pagination import paginate
from api.parser import Blueprint
from api.queries import apply_filters, collection_view, get_or_404, item_view
from api.writes import create, create_view, delete, delete_view, update, update_view
from schemas.common import partial
from schemas.events import (
    EventItemQuerySchema,
    EventPageSchema,
    EventPatchSchema,
    EventQuerySchema,
    EventSchema,
)

blp = Blueprint("events", __name__, url_prefix="/v1/events", description="Meetings and summits.")

FILTERS = {
    "kind": (Event.kind, None),
    "participant": (Event.participants, Actor),
    "proposal": (Event.proposals, Proposal),
}


@blp.route("")
class Events(MethodView):
    @collection_view(blp, EventQuerySchema, EventPageSchema)
    def get(self, args):
        """List events"""
        return paginate(apply_filters(select(Event), args, FILTERS), args, Event)

    @create_view(blp, EventSchema)
    def post(self, data):
        """Create an event"""
        return create(Event, EventSchema, data)


@blp.route("/<item_id:event_id>")
class EventById(MethodView):
    @item_view(blp, EventItemQuerySchema, EventSchema)
    def get(self, args, event_id):
        """Get an event by id"""
        return get_or_404(Event, event_id)

    @update_view(blp, partial(EventPatchSchema), EventSchema)
    def patch(self, data, event_id):
        """Change an event; send If-Match"""
        return update(Event, EventSchema, event_id, data)

    @delete_view(blp)
    def delete(self, event_id):
        """Delete an event nothing refers to; send If-Match"""
        delete(Event, EventSchema, event_id)
