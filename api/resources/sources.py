"""Sources: what a source's routes add to its collection's (api/resources/items.py): the facts
it backs, and retiring it (its spans, and the facts drawn only from it)."""

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import func, select

from api.extensions import db
from api.http.arguments import query_arguments
from api.http.conditional import IF_MATCH, check_if_match
from api.http.formats import page_view
from api.http.guards import guarded
from api.http.openapi import documented
from api.resources.items import blueprint_of
from api.store.commits import commit_write
from api.store.models import Evidence, Source, model_of
from api.store.pagination import paginate
from api.store.queries import apply_filters, get_or_404
from api.store.retirement import StillReferenced, retire, retirement
from schemas.sources import (
    FactPageSchema,
    FactQuerySchema,
    RetirementQuerySchema,
    RetirementSchema,
)

blp = blueprint_of("sources")


def describe_facts(spans: list[Evidence]) -> list[dict]:
    """Pair each span with the fact it backs: one query per fact type on the page."""
    wanted: dict[str, set[str]] = {}
    for span in spans:
        wanted.setdefault(span.fact_type, set()).add(span.fact_id)
    facts = {}
    for fact_type, ids in wanted.items():
        model = model_of(fact_type)
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


@blp.route("/v1/sources/<item_id:source_id>/retire")
class SourceRetirement(MethodView):
    @guarded("admin", if_match=True, body=False)
    @query_arguments(blp, RetirementQuerySchema)
    @blp.response(200, RetirementSchema)
    @documented(blp, 401, 403, 404, 409, 412, 428, header=IF_MATCH)
    def post(self, args, source_id):
        """Retire a source, all or nothing; send If-Match

        Its spans go from every fact; the facts it alone backs are deleted, those other
        sources back too stay (`lost_evidence`). Every change is recorded in the change feed.
        A 409 lists the items that refer to a fact it would delete; nothing changes then.
        `dry_run=true` says what it would do and changes nothing.
        """
        source = get_or_404(Source, source_id)
        check_if_match(source.version)
        try:
            if args["dry_run"]:
                found = retirement(source)
                if found.blockers:
                    raise StillReferenced(source.id, found.blockers)
            else:
                found = retire(source, g.token_name)
        except StillReferenced as error:
            abort(409, message=str(error), errors={"dependants": error.paths})
        if not args["dry_run"]:
            commit_write()
        return {"source": source_id, **found.paths(), "dry_run": args["dry_run"]}


@blp.route("/v1/sources/<item_id:source_id>/facts")
class SourceFacts(MethodView):
    @query_arguments(blp, FactQuerySchema)
    @blp.response(200, FactPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @page_view(FactPageSchema)
    def get(self, args, source_id):
        """List the facts a source backs, span by span"""
        source = get_or_404(Source, source_id)
        statement = select(Evidence).where(Evidence.source_id == source.id)
        statement = apply_filters(statement, args, FactQuerySchema)
        columns = {"type": Evidence.fact_type}
        envelope = paginate(statement, args, Evidence, columns=columns)
        envelope["data"] = describe_facts(envelope["data"])
        # A fact with two quotes is one fact: the total counts facts, the page lists spans.
        facts = statement.with_only_columns(Evidence.fact_type, Evidence.fact_id).distinct()
        envelope["meta"]["total"] = db.session.scalar(
            select(func.count()).select_from(facts.order_by(None).subquery())
        )
        return envelope
