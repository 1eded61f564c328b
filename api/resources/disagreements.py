"""Where sources disagree: one actor's stances on one proposal in different positions, or its
figures for one metric, as different sources report them — each side whole, oldest first."""

import itertools

from flask.views import MethodView
from sqlalchemy import select, tuple_

from api.extensions import db
from api.http.arguments import query_arguments
from api.http.formats import page_view
from api.http.routing import Blueprint
from api.resources.stances import references
from api.store import renders
from api.store.models import Actor, Commitment, Evidence, Proposal, Stance
from api.store.pagination import decode_offset, encode_cursor, envelope
from api.store.queries import resolve
from api.store.version import remembered
from schemas.disagreements import KINDS, DisagreementPageSchema, DisagreementQuerySchema

blp = Blueprint("disagreements", __name__, description="Where sources disagree.")


@blp.route("/v1/disagreements")
class Disagreements(MethodView):
    @query_arguments(blp, DisagreementQuerySchema)
    @blp.response(200, DisagreementPageSchema)
    @page_view(DisagreementPageSchema)
    def get(self, args):
        """List where sources disagree: stances in different positions, different figures"""
        limit, offset = args["limit"], decode_offset(args.get("cursor"))
        kinds = tuple(args.get("kind") or KINDS)
        actors = tuple(resolve(Actor, "actor", value) for value in args.get("actor") or [])
        found = remembered(
            ("disagreements", kinds, actors), lambda: open_disagreements(kinds, actors)
        )
        page = [shown(found_one) for found_one in found[offset : offset + limit]]
        more = offset + limit < len(found)
        return envelope(
            page, len(found), limit, encode_cursor("offset", offset + limit) if more else None
        )


def count_disagreements() -> int:
    """How many there are (the briefing's count), once per data version."""
    return len(remembered(("disagreements", KINDS, ()), lambda: open_disagreements(KINDS, ())))


def open_disagreements(kinds: tuple, actors: tuple) -> list[tuple]:
    """(kind, actor, subject, fact ids and what they say, oldest first) of every disagreement,
    in order. Stances
    are read only for the pairs with more than one (a non-current stance says so); figures,
    from every commitment."""
    found = []
    if "stances" in kinds:
        pairs = select(Stance.actor_id, Stance.proposal_id).where(Stance.current.is_(False))
        if actors:
            pairs = pairs.where(Stance.actor_id.in_(actors))
        rows = db.session.execute(
            select(Stance.id, Stance.actor_id, Stance.proposal_id, Stance.position)
            .where(tuple_(Stance.actor_id, Stance.proposal_id).in_(pairs.distinct()))
            .order_by(Stance.reported_order, Stance.id)
        ).all()
        found += disagreeing("stances", rows, lambda row: (row.actor_id, row.proposal_id))
    if "commitments" in kinds:
        statement = select(
            Commitment.id,
            Commitment.actor_id,
            Commitment.metric,
            Commitment.kind,
            Commitment.value_min,
            Commitment.value_max,
        ).order_by(Commitment.reported_order, Commitment.id)
        if actors:
            statement = statement.where(Commitment.actor_id.in_(actors))
        rows = db.session.execute(statement).all()
        # A plan and an ambition of one actor are two figures, not a disagreement: by kind.
        found += disagreeing("commitments", rows, lambda row: (row.actor_id, row.metric, row.kind))
    return sorted(found, key=lambda item: (KINDS.index(item[0]), item[1], item[2]))


def disagreeing(kind: str, rows, subject) -> list[tuple]:
    """The subjects on which one source says one thing and another, which does not say it
    too, another (a position, a figure): one article reporting two is not a disagreement."""
    sources = sources_of(kind, [row.id for row in rows])
    by_subject: dict[tuple, list] = {}
    for row in rows:
        by_subject.setdefault(subject(row), []).append(row)
    found = []
    for (actor_id, about, *_), facts in by_subject.items():
        across = any(
            told(kind, one) != told(kind, other)
            and not sources.get(one.id, set()) & sources.get(other.id, set())
            for one, other in itertools.combinations(facts, 2)
        )
        if across:
            said = tuple(dict.fromkeys(told(kind, fact) for fact in facts))
            found.append((kind, actor_id, about, tuple(fact.id for fact in facts), said))
    return found


def told(kind: str, fact) -> str:
    """What a fact says that another may contradict: a position, or a figure."""
    if kind == "stances":
        return fact.position
    low, high = (f"{value:g}" for value in (fact.value_min, fact.value_max))
    return low if low == high else f"{low}–{high}"


def sources_of(kind: str, ids: list[str]) -> dict[str, frozenset]:
    found: dict[str, set] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(Evidence.fact_id, Evidence.source_id).where(
                Evidence.fact_type == kind, Evidence.fact_id.in_(ids[start : start + 500])
            )
        )
        for fact_id, source_id in rows:
            found.setdefault(fact_id, set()).add(source_id)
    return {fact_id: frozenset(sources) for fact_id, sources in found.items()}


def shown(disagreement: tuple) -> dict:
    """One disagreement as DisagreementSchema dumps it, its facts as stored, oldest first."""
    kind, actor_id, about, ids, said = disagreement
    model = Stance if kind == "stances" else Commitment
    rows = renders.page_rows(select(model).where(model.id.in_(ids)), model, "id")
    facts = {fact_id: render for render, _, fact_id in rows}
    sides = [facts[fact_id] for fact_id in ids]
    return {
        "kind": kind,
        "actor": references(Actor, [actor_id])[0],
        "proposal": references(Proposal, [about])[0] if kind == "stances" else None,
        "metric": about if kind == "commitments" else None,
        "positions": list(said) if kind == "stances" else [],
        "figures": list(said) if kind == "commitments" else [],
        "stances": sides if kind == "stances" else [],
        "commitments": sides if kind == "commitments" else [],
    }
