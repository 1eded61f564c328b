"""Sources: the stored articles, and the facts each one backs."""

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import func, select

from api.extensions import db
from api.http.formats import csv_table
from api.http.guards import check_if_match, guarded
from api.http.headers import with_item_etag
from api.http.routing import Blueprint
from api.http.views import query_arguments
from api.http.write_docs import (
    IF_MATCH,
    documented,
    documents_change,
    documents_creation,
    documents_deletion,
)
from api.store.commits import commit_write
from api.store.models import FACT_MODELS, Evidence, Source
from api.store.pagination import list_items, paginate
from api.store.queries import apply_filters, get_or_404
from api.store.retirement import StillReferenced, retire
from api.store.writes import create, delete, update
from schemas.queries import ItemQuerySchema
from schemas.sources import (
    FactPageSchema,
    FactQuerySchema,
    RetirementSchema,
    SourceInputSchema,
    SourcePageSchema,
    SourcePatchSchema,
    SourceQuerySchema,
    SourceSchema,
)

blp = Blueprint("sources", __name__, url_prefix="/v1/sources", description="Stored articles.")


def describe_facts(spans: list[Evidence]) -> list[dict]:
    """Pair each span with the fact it backs: one query per fact type on the page."""
    wanted: dict[str, set[str]] = {}
    for span in spans:
        wanted.setdefault(span.fact_type, set()).add(span.fact_id)
    facts = {}
    for fact_type, ids in wanted.items():
        model = FACT_MODELS[fact_type]
        for fact in db.session.scalars(select(model).where(model.id.in_(ids))):
            facts[fact_type, fact.id] = fact
    return [
        {
            "type": span.fact_type,
            "id": span.fact_id,
            "url": facts[span.fact_type, span.fact_id].url,
            "label": facts[span.fact_type, span.fact_id].label,
            "start": span.start,
            "end": span.end,
            "quote": span.quote,
        }
        for span in spans
    ]


@blp.route("")
class Sources(MethodView):
    @query_arguments(blp, SourceQuerySchema)
    @blp.response(200, SourcePageSchema)
    @csv_table(SourcePageSchema)
    def get(self, args):
        """List sources"""
        return list_items(Source, args, SourceQuerySchema)

    @guarded("admin")
    @blp.arguments(SourceInputSchema)
    @blp.response(201, SourceSchema)
    @documents_creation(blp)
    @with_item_etag(SourceSchema)
    def post(self, data):
        """Create a source"""
        return create(Source, SourceSchema, data)


@blp.route("/<item_id:source_id>")
class SourceById(MethodView):
    @query_arguments(blp, ItemQuerySchema)
    @blp.response(200, SourceSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @with_item_etag(SourceSchema)
    def get(self, args, source_id):
        """Get a source by id, with its full text"""
        return get_or_404(Source, source_id)

    @guarded("admin", if_match=True)
    @blp.arguments(SourcePatchSchema)
    @blp.response(200, SourceSchema)
    @documents_change(blp)
    @with_item_etag(SourceSchema)
    def patch(self, data, source_id):
        """Change a source; send If-Match"""
        return update(Source, SourceSchema, source_id, data)

    @guarded("admin", if_match=True, body=False)
    @blp.response(204)
    @documents_deletion(blp)
    def delete(self, source_id):
        """Delete a source nothing refers to; send If-Match"""
        delete(Source, SourceSchema, source_id)


@blp.route("/<item_id:source_id>/retire")
class SourceRetirement(MethodView):
    @guarded("admin", if_match=True, body=False)
    @blp.response(200, RetirementSchema)
    @documented(blp, 401, 403, 404, 409, 412, 428, header=IF_MATCH)
    def post(self, source_id):
        """Retire a source and the facts drawn only from it, all or nothing; send If-Match

        Every deletion is recorded in the change feed. A 409 lists what else refers to them
        (facts also backed by another source, items that name them); nothing is deleted then.
        """
        source = get_or_404(Source, source_id)
        check_if_match(source)
        try:
            deleted = retire(source, g.token_name)
        except StillReferenced as error:
            abort(409, message=str(error), errors={"dependants": error.paths})
        commit_write()
        return {"source": source_id, "deleted": deleted}


@blp.route("/<item_id:source_id>/facts")
class SourceFacts(MethodView):
    @query_arguments(blp, FactQuerySchema)
    @blp.response(200, FactPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @csv_table(FactPageSchema)
    def get(self, args, source_id):
        """List the facts a source backs, span by span"""
        source = get_or_404(Source, source_id)
        statement = select(Evidence).where(Evidence.source_id == source.id)
        statement = apply_filters(statement, args, FactQuerySchema)
        columns = {"type": Evidence.fact_type}
        envelope, headers = paginate(statement, args, Evidence, columns=columns)
        envelope["data"] = describe_facts(envelope["data"])
        # A fact with two quotes is one fact: the total counts facts, the page lists spans.
        facts = statement.with_only_columns(Evidence.fact_type, Evidence.fact_id).distinct()
        envelope["meta"]["total"] = db.session.scalar(
            select(func.count()).select_from(facts.order_by(None).subquery())
        )
        return envelope, headers
