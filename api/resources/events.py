"""Events: meetings and summits."""

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
from api.store.models import Event
from api.store.pagination import list_items
from api.store.renders import read_item
from api.store.writes import create, delete, update
from schemas.events import (
    EventInputSchema,
    EventItemQuerySchema,
    EventPageSchema,
    EventPatchSchema,
    EventQuerySchema,
    EventSchema,
)

blp = Blueprint("events", __name__, url_prefix="/v1/events", description="Meetings and summits.")


@blp.route("")
class Events(MethodView):
    @query_arguments(blp, EventQuerySchema)
    @blp.response(200, EventPageSchema)
    @csv_table(EventPageSchema)
    def get(self, args):
        """List events"""
        return list_items(Event, args, EventQuerySchema)

    @guarded("editor")
    @blp.arguments(EventInputSchema)
    @blp.response(201, EventSchema)
    @documents_creation(blp)
    @with_item_etag(EventSchema)
    def post(self, data):
        """Create an event"""
        return create(Event, EventSchema, data)


@blp.route("/<item_id:event_id>")
class EventById(MethodView):
    @query_arguments(blp, EventItemQuerySchema)
    @blp.response(200, EventSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @with_item_etag(EventSchema)
    def get(self, args, event_id):
        """Get an event by id"""
        return read_item(Event, event_id)

    @guarded("editor", if_match=True)
    @blp.arguments(EventPatchSchema)
    @blp.response(200, EventSchema)
    @documents_change(blp)
    @with_item_etag(EventSchema)
    def patch(self, data, event_id):
        """Change an event; send If-Match"""
        return update(Event, EventSchema, event_id, data)

    @guarded("editor", if_match=True, body=False)
    @blp.response(204)
    @documents_deletion(blp)
    def delete(self, event_id):
        """Delete an event nothing refers to; send If-Match"""
        delete(Event, EventSchema, event_id)
