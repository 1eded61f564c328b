"""The briefing in one document, for a page that renders it in one call: the first `limit`
items of each section (and of the stances under each proposal), how many there are in all,
and where the rest are. Its cost is bounded by `limit`, however large the briefing."""

from urllib.parse import urlencode

from flask.views import MethodView
from sqlalchemy import bindparam, func, or_, select

from api.extensions import db
from api.http.arguments import query_arguments
from api.http.routing import Blueprint
from api.resources.disagreements import count_disagreements
from api.store import renders
from api.store.models import (
    Actor,
    Attributed,
    Commitment,
    Event,
    Evidence,
    Proposal,
    Source,
    Stance,
    Statement,
)
from api.store.queries import load_options, resolve
from api.store.version import remembered
from schemas.briefing import BriefingQuerySchema, BriefingSchema
from schemas.dates import first_and_last_day

blp = Blueprint("briefing", __name__, description="Everything at once.")
SECTIONS = (Source, Actor, Proposal, Commitment, Event, Statement)


def selected(model, args, sources: list[str]):
    """The items of `model` the briefing's filters keep: with `as_of`, what the sources then
    published back; with `source`, those drawn from it (the sources: those); with `basis`, the
    claims of that basis (actors and sources stay whole; a proposal stays when one of its
    stances has it)."""
    statement = select(model)
    if args.get("as_of"):  # what the sources published by then back
        then = first_and_last_day(args["as_of"])[1].isoformat()
        if model is Source:
            dated = Source.published_on
            statement = statement.where(or_(dated.is_(None), dated <= then))
        else:  # an undated source's facts are reported from '' (api/store/chronology.py)
            statement = statement.where(model.reported_from <= then)
    if args.get("basis") and issubclass(model, Attributed):
        basis = model.basis.in_(args["basis"])
        if model is Proposal:
            basis = or_(
                basis,
                Proposal.id.in_(
                    selected(Stance, args, sources).with_only_columns(Stance.proposal_id)
                ),
            )
        statement = statement.where(basis)
    if sources:
        if model is Source:
            statement = statement.where(Source.id.in_(sources))
        else:
            here = model.evidence.any(Evidence.source_id.in_(sources))
            concerned = concerned_by(model, args, sources)
            statement = statement.where(here if concerned is None else or_(here, concerned))
    return statement


def concerned_by(model, args, sources: list[str]):
    """With `source`, the actors and proposals that the source's facts concern, though other
    sources reported them (Italy's later stance on a proposal the first article made): a
    clause keeping them, or None for the other sections."""
    if model is Proposal:
        return Proposal.id.in_(
            selected(Stance, args, sources).with_only_columns(Stance.proposal_id)
        )
    if model is Actor:
        named = [
            selected(Stance, args, sources).with_only_columns(Stance.actor_id),
            selected(Commitment, args, sources).with_only_columns(Commitment.actor_id),
            selected(Statement, args, sources).with_only_columns(Statement.speaker_id),
        ]
        return or_(*(Actor.id.in_(ids) for ids in named))
    return None


def reported_elsewhere(model, shown, limit: int, sources: list[str]) -> list[str]:
    """Which of the items a section shows (the first `limit` of `shown`, in id order) the
    sources do not back: they are shown for a fact of theirs."""
    first = shown.with_only_columns(model.id).order_by(model.id).limit(limit).subquery()
    statement = select(model.id).where(
        model.id.in_(select(first.c.id)), ~model.evidence.any(Evidence.source_id.in_(sources))
    )
    return sorted(db.session.scalars(statement))


def first_items(model, statement, limit: int, parsed: bool = False) -> list:
    """The first `limit` items of a section, in id order: facts as stored (embedded as they
    are in compact JSON, or `parsed`), dumped already."""
    statement = statement.order_by(model.id).limit(limit)
    if renders.is_stored(model):
        rows = renders.rendered_rows(statement, model, "id", parsed_always=parsed)
        return [render for render, _, _ in rows]
    return db.session.scalars(statement.options(*load_options(model))).all()


def total(model, statement, key: tuple) -> int:
    count = select(func.count()).select_from(statement.subquery())
    return remembered(("briefing", model.__tablename__, key), lambda: db.session.scalar(count))


def stances_of(proposal_ids: list[str], args, sources: list[str], limit: int) -> dict:
    """The first `limit` stances on each of these proposals (in id order), as stored; and how
    many each has in all. Each proposal's first stances are one statement, compiled once and
    run for each proposal, that walks the (proposal, id) index and stops at `limit`: numbering
    every stance of a page of proposals to keep the first few cost 25,000 rows' work at
    100,000 stances."""
    chosen = selected(Stance, args, sources)
    first = (
        chosen.with_only_columns(Stance.id)
        .where(Stance.proposal_id == bindparam("proposal"))
        .order_by(Stance.id)
        .limit(limit)
    )
    connection = db.session.connection()
    on = {  # stance → its proposal
        stance_id: proposal_id
        for proposal_id in proposal_ids
        for stance_id in connection.execute(first, {"proposal": proposal_id}).scalars()
    }
    chosen = chosen.where(Stance.proposal_id.in_(proposal_ids))
    shown: dict[str, list] = {proposal_id: [] for proposal_id in proposal_ids}
    page = select(Stance).where(Stance.id.in_(list(on))).order_by(Stance.id)
    for render, _, stance_id in renders.rendered_rows(page, Stance, "id"):
        shown[on[stance_id]].append(render)
    counted = chosen.with_only_columns(Stance.proposal_id, func.count())
    counts = dict(db.session.execute(counted.group_by(Stance.proposal_id)).all())
    return {key: (stances, counts.get(key, 0)) for key, stances in shown.items()}


def collection_url(collection: str, args, sources: list[str]) -> str:
    """The whole of a section: its collection, filtered as the briefing was."""
    query = {"source": ",".join(sources)} if sources else {}
    if args.get("basis") and collection not in ("sources", "actors"):
        query["basis"] = ",".join(args["basis"])
    if collection == "sources" and sources:
        query = {}  # the sources asked for are the section
    if args.get("as_of"):
        query["as_of"] = args["as_of"]
    return f"/v1/{collection}" + (f"?{urlencode(query)}" if query else "")


@blp.route("/v1/briefing")
class Briefing(MethodView):
    @query_arguments(blp, BriefingQuerySchema)
    @blp.response(200, BriefingSchema)
    def get(self, args):
        """Get the briefing: the first items of each section, with counts and links to the rest"""
        limit = args["limit"]
        sources = [resolve(Source, "source", value) for value in args.get("source") or []]
        key = (tuple(sources), tuple(args.get("basis") or ()), args.get("as_of"))
        document, counts, links = {}, {}, {}
        for model in SECTIONS:
            statement = selected(model, args, sources)
            # Proposals are parsed, to hold their stances; the rest are embedded as stored.
            document[model.collection] = first_items(model, statement, limit, model is Proposal)
            counts[model.collection] = total(model, statement, key)
            links[model.collection] = collection_url(model.collection, args, sources)
        stances = selected(Stance, args, sources)
        counts["stances"] = total(Stance, stances, key)
        links["stances"] = collection_url("stances", args, sources)
        # Across sources, whatever the filters: where the briefing's sources disagree.
        counts["disagreements"] = count_disagreements()
        links["disagreements"] = "/v1/disagreements"
        proposals = document["proposals"]
        shown = args["per_proposal"]
        nested = stances_of([proposal["id"] for proposal in proposals], args, sources, shown)
        for proposal in proposals:
            proposal["stances"], proposal["stance_count"] = nested[proposal["id"]]
            proposal["stances_url"] = f"/v1/proposals/{proposal['id']}/stances"
        body = {**document, "counts": counts, "limit": limit, "per_proposal": shown, "links": links}
        if sources:
            body["reported_elsewhere"] = {
                model.collection: reported_elsewhere(
                    model, selected(model, args, sources), limit, sources
                )
                for model in (Actor, Proposal)
            }
        return body
