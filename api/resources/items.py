"""Every collection's own routes, made from its row of the table (schemas/collections.py): list
it and create in it (`/v1/<name>`); get, change and delete one item (`/v1/<name>/<id>`). A
collection with more to show adds routes to its blueprint in a module of its own (actors,
proposals, stances, sources)."""

import functools

from flask import g
from flask.views import MethodView

from api.http.arguments import query_arguments
from api.http.conditional import check_if_match, matches_any_version, tagged, with_item_etag
from api.http.formats import page_view
from api.http.guards import guarded
from api.http.idempotency import keep_answer, replay_or_claim
from api.http.openapi import documents_change, documents_creation, documents_deletion
from api.http.routing import Blueprint, converter_of
from api.store import writes
from api.store.commits import commit_write
from api.store.models import model_of
from api.store.pagination import list_items
from api.store.queries import get_or_404
from api.store.renders import read_item
from schemas.collections import collection_named, item_schema


@functools.cache
def blueprint_of(name: str) -> Blueprint:
    """The blueprint of one collection, with its own routes."""
    kind = collection_named(name)
    blp = Blueprint(name, __name__, description=kind.description)
    model = model_of(name)
    blp.route(f"/v1/{name}")(collection_view(blp, kind, model))
    if kind.item is not None:
        item_rule = f"/v1/{name}/<{converter_of(kind)}:{kind.singular}_id>"
        blp.route(item_rule)(item_view(blp, kind, model))
    return blp


def collection_view(blp: Blueprint, kind, model):
    """`/v1/<name>`: GET lists it; POST, for an item collection, creates an item."""

    class Collection(MethodView):
        @query_arguments(blp, kind.query)
        @blp.response(200, kind.page)
        @page_view(kind.page)
        def get(self, args):
            return list_items(model, args, kind.query)

        get.__doc__ = kind.list_summary or f"List {kind.name}"

        if kind.create is not None:

            @guarded(kind.writer)
            @blp.arguments(kind.create)
            @blp.response(201, kind.item)
            @documents_creation(blp)
            def post(self, data):
                replay = replay_or_claim()
                if replay is not None:
                    return replay
                item, body = writes.create(model, item_schema(kind.name), data, g.token_name)
                keep_answer(201, body)
                location = item.url
                commit_write(item, body)
                return tagged(body, 1, 201, {"Location": location})  # a new item: version 1

            post.__doc__ = f"Create {kind.a_singular}"

    Collection.__name__ = Collection.__qualname__ = kind.name.title()
    return Collection


def related_list_view(blp: Blueprint, owner, listed: str, column: str, summary: str):
    """`/v1/<owner's collection>/<id>/<listed>`: the `listed` items whose `column` is that
    owner's id (an actor's stances), as their own list with all its parameters; a 404 when
    no item has that id."""
    kind, model = collection_named(listed), model_of(listed)

    class RelatedList(MethodView):
        @query_arguments(blp, kind.query)
        @blp.response(200, kind.page)
        @blp.alt_response(404, response="NOT_FOUND")
        @page_view(kind.page)
        def get(self, args, **path):
            (owner_id,) = path.values()
            narrowed = {column: get_or_404(owner, owner_id).id}
            return list_items(model, args, kind.query, **narrowed)

        get.__doc__ = summary

    RelatedList.__name__ = RelatedList.__qualname__ = owner.__name__ + kind.name.title()
    return RelatedList


def item_view(blp: Blueprint, kind, model):
    """`/v1/<name>/<id>`: GET, PATCH (with If-Match) and DELETE (with If-Match) one item."""

    class Item(MethodView):
        @query_arguments(blp, kind.item_query)
        @blp.response(200, kind.item)
        @blp.alt_response(404, response="NOT_FOUND")
        @with_item_etag(kind.item)
        def get(self, args, **path):
            return read_item(model, *path.values())

        get.__doc__ = f"Get {kind.a_singular} by id"

        @guarded(kind.writer, if_match=True)
        @blp.arguments(kind.patch)
        @blp.response(200, kind.item)
        @documents_change(blp)
        def patch(self, data, **path):
            # `If-Match: *` changes the item whatever its version: it is locked as it is read,
            # so that another write waits rather than makes this one a 412 (WHERE version = …).
            item = get_or_404(model, *path.values(), lock=matches_any_version())
            check_if_match(item.version)
            body = writes.update(item, item_schema(kind.name), data, g.token_name)
            version = item.version
            commit_write(item, body)
            return tagged(body, version)

        patch.__doc__ = f"Change {kind.a_singular}; send If-Match"

        @guarded(kind.writer, if_match=True, body=False)
        @blp.response(204)
        @documents_deletion(blp)
        def delete(self, **path):
            item = get_or_404(model, *path.values())
            check_if_match(item.version)
            writes.delete(item, item_schema(kind.name), g.token_name)
            commit_write()

        delete.__doc__ = f"Delete {kind.a_singular} nothing refers to; send If-Match"

    Item.__name__ = Item.__qualname__ = f"{kind.singular.title()}ById"
    return Item
