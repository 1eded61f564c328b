"""Sources: the stored articles, and the facts each one backs."""

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from api.bundles import StillReferenced, retire
from api.extensions import db
from api.models import FACT_MODELS, Evidence, Source
from api.pagination import paginate
from api.parser import Blueprint
from api.queries import apply_filters, collection_view, get_or_404, item_view
from api.writes import (
    IF_MATCH,
    check_if_match,
    commit_write,
    create,
    create_view,
    delete,
    delete_view,
    documented,
    guarded,
    update,
    update_view,
)
from schemas.common import ItemQuerySchema, partial
from schemas.sources import (
    FactPageSchema,
    FactQuerySchema,
    RetirementSchema,
    SourcePageSchema,
    SourcePatchSchema,
    SourceQuerySchema,
    SourceSchema,
)

blp = Blueprint("sources", __name__, url_prefix="/v1/sources", description="Stored articles.")

FACT_FILTERS = {"type": (Evidence.fact_type, None), "fact": (Evidence.fact_id, None)}


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
    @collection_view(blp, SourceQuerySchema, SourcePageSchema)
    def get(self, args):
        """List sources"""
        statement = apply_filters(select(Source), args, {"language": (Source.language, None)})
        return paginate(statement, args, Source)

    @create_view(blp, SourceSchema, role="admin")
    def post(self, data):
        """Create a source"""
        return create(Source, SourceSchema, data)


@blp.route("/<item_id:source_id>")
class SourceById(MethodView):
    @item_view(blp, ItemQuerySchema, SourceSchema)
    def get(self, args, source_id):
        """Get a source by id, with its full text"""
        return get_or_404(Source, source_id)

    @update_view(blp, partial(SourcePatchSchema), SourceSchema, role="admin")
    def patch(self, data, source_id):
        """Change a source; send If-Match"""
        return update(Source, SourceSchema, source_id, data)

    @delete_view(blp, role="admin")
    def delete(self, source_id):
        """Delete a source nothing refers to; send If-Match"""
        delete(Source, SourceSchema, source_id)


@blp.route("/<item_id:source_id>/retire")
class SourceRetirement(MethodView):
    @guarded("admin", if_match=True, body=False)
    @documented(blp, 401, 403, 404, 409, 412, 428, header=IF_MATCH)
    @blp.response(200, RetirementSchema)
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
    @collection_view(blp, FactQuerySchema, FactPageSchema, of_item=True)
    def get(self, args, source_id):
        """List the facts a source backs, span by span"""
        source = get_or_404(Source, source_id)
        statement = select(Evidence).where(Evidence.source_id == source.id)
        statement = apply_filters(statement, args, FACT_FILTERS)
        columns = {"type": Evidence.fact_type}
        envelope, headers = paginate(statement, args, Evidence, columns=columns)
        envelope["data"] = describe_facts(envelope["data"])
        return envelope, headers
