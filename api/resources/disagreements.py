"""Where sources disagree: one actor's stances on one proposal in different positions, its
figures for one metric, or one event's status or outcome, as different sources report them —
each side whole, oldest first."""

import itertools
from urllib.parse import urlencode

from flask.views import MethodView
from sqlalchemy import select

from api.extensions import db
from api.http.arguments import query_arguments
from api.http.formats import page_view
from api.http.routing import Blueprint
from api.resources.stances import compact_references
from api.store import renders
from api.store.models import (
    Actor,
    Commitment,
    Event,
    Evidence,
    Proposal,
    Stance,
    event_participants,
)
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
        """List where sources disagree: stances in different positions, different figures, events"""
        limit, offset = args["limit"], decode_offset(args.get("cursor"))
        kinds = tuple(args.get("kind") or KINDS)
        actors = tuple(resolve(Actor, "actor", value) for value in args.get("actor") or [])
        found, more_found = remembered(
            ("disagreements", kinds, actors), lambda: open_disagreements(kinds, actors)
        )
        page = shown(found[offset : offset + limit])
        more = offset + limit < len(found)
        body = envelope(
            page, len(found), limit, encode_cursor("offset", offset + limit) if more else None
        )
        body["meta"]["total_is_lower_bound"] = more_found
        return body


def count_disagreements() -> int:
    """How many there are (the briefing's count; stances counted as far as COUNTED), once per
    data version."""
    found, _ = remembered(("disagreements", KINDS, ()), lambda: open_disagreements(KINDS, ()))
    return len(found)


# Stance disagreements are listed as far as this many (the total then says it is a lower
# bound): read from the index of disputed stances, their count is bounded as a page's is.
COUNTED = 100
MOST_SIDES = 10  # the facts shown of one disagreement: the latest, oldest first


def open_disagreements(kinds: tuple, actors: tuple) -> tuple[list[tuple], bool]:
    """(kind, actor, subject, fact ids and what they say, oldest first — read when shown, for
    stances) of every disagreement, in order, and whether there were more stance
    disagreements than COUNTED."""
    found, more = [], False
    if "stances" in kinds:  # their facts are read when shown (`shown`)
        pairs = disagreeing_pairs(actors)
        more = len(pairs) > COUNTED
        found += [("stances", actor_id, proposal_id, (), ()) for actor_id, proposal_id in pairs]
        found = found[:COUNTED]
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
        # A plan and an ambition of one actor are two figures, not a disagreement: by kind.
        found += disagreeing_figures(db.session.execute(statement).all())
    if "events" in kinds:
        found += disagreeing_events(actors)
    return sorted(found, key=lambda item: (KINDS.index(item[0]), item[1] or "", item[2])), more


def disagreeing_pairs(actors: tuple) -> list[tuple[str, str]]:
    """The first COUNTED + 1 (actor, proposal) pairs, in order, whose current stance is
    disputed (api/store/chronology.py `contradicted`: kept by every write)."""
    pairs = (
        select(Stance.actor_id, Stance.proposal_id)
        .where(Stance.disputed.is_(True))
        .order_by(Stance.actor_id, Stance.proposal_id)
        .limit(COUNTED + 1)
    )
    if actors:
        pairs = pairs.where(Stance.actor_id.in_(actors))
    return [tuple(row) for row in db.session.execute(pairs)]


def disagreeing_figures(rows) -> list[tuple]:
    """The (actor, metric, kind) of commitments on which one source gives one figure and
    another, which does not give it too, another: one article giving two is no disagreement."""
    sources = sources_of("commitments", [row.id for row in rows])
    by_subject: dict[tuple, list] = {}
    for row in rows:
        by_subject.setdefault((row.actor_id, row.metric, row.kind), []).append(row)
    found = []
    for (actor_id, metric, _), facts in by_subject.items():
        if said := told_differently(facts, figure, sources):
            found.append(("commitments", actor_id, metric, tuple(fact.id for fact in facts), said))
    return found


def told_differently(facts: list, told, sources: dict) -> tuple:
    """What these facts on one subject say (`told` of each), oldest first, if two of them,
    from sources they share none of, say it differently; else nothing."""
    across = any(
        told(one) != told(other) and not sources.get(one.id, set()) & sources.get(other.id, set())
        for one, other in itertools.combinations(facts, 2)
    )
    return tuple(dict.fromkeys(told(fact) for fact in facts)) if across else ()


def disagreeing_events(actors: tuple) -> list[tuple]:
    """The events (by name and kind, in any case) that one source reports as upcoming, held or
    cancelled, or with one outcome, and another source, which does not report it too,
    otherwise; with `actors`, those they take part in."""
    statement = select(Event.id, Event.name, Event.kind, Event.status, Event.outcome).order_by(
        Event.reported_order, Event.id
    )
    if actors:
        taking_part = select(event_participants.c.event_id).where(
            event_participants.c.actor_id.in_(actors)
        )
        statement = statement.where(Event.id.in_(taking_part))
    rows = db.session.execute(statement).all()
    by_subject: dict[tuple, list] = {}
    for row in rows:
        by_subject.setdefault((" ".join(row.name.lower().split()), row.kind), []).append(row)
    reported = [row for facts in by_subject.values() if len(facts) > 1 for row in facts]
    sources = sources_of("events", [row.id for row in reported])
    found = []
    for facts in by_subject.values():
        if said := told_differently(facts, happened, sources):
            found.append(("events", None, facts[-1].name, tuple(fact.id for fact in facts), said))
    return found


def happened(event) -> str:
    """What a source says of an event, as a disagreement lists it: `upcoming`, or
    `held: <outcome>` (`unknown` where it gives no status)."""
    status = event.status or "unknown"
    return f"{status}: {event.outcome}" if event.outcome else status


def figure(commitment) -> str:
    """A commitment's figure, as a disagreement lists it: `2.5`, or `3–3.5`."""
    low, high = (f"{value:g}" for value in (commitment.value_min, commitment.value_max))
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


def shown(disagreements: list[tuple]) -> list[dict]:
    """A page of disagreements as DisagreementSchema dumps them, each with its latest facts as
    stored, oldest first: a few queries for the page, whatever its size."""
    pairs = {(actor_id, about) for kind, actor_id, about, *_ in disagreements if kind == "stances"}
    histories: dict[tuple, list] = {}
    if pairs:  # two lists, not a row-value IN (which SQLite answers by reading every stance)
        rows = db.session.execute(
            select(Stance.id, Stance.actor_id, Stance.proposal_id, Stance.position)
            .where(
                Stance.actor_id.in_(sorted({actor_id for actor_id, _ in pairs})),
                Stance.proposal_id.in_(sorted({about for _, about in pairs})),
            )
            .order_by(Stance.reported_order, Stance.id)
        ).all()
        for row in rows:
            if (row.actor_id, row.proposal_id) in pairs:
                histories.setdefault((row.actor_id, row.proposal_id), []).append(row)
    whole = []
    for kind, actor_id, about, ids, said in disagreements:
        if kind == "stances":
            history = histories[(actor_id, about)]
            ids = tuple(row.id for row in history)
            said = tuple(dict.fromkeys(row.position for row in history))
        whole.append((kind, actor_id, about, ids, said))
    facts = {}
    for kind, model in (("stances", Stance), ("commitments", Commitment), ("events", Event)):
        latest = [
            fact_id for k, _, _, ids, _ in whole if k == kind for fact_id in ids[-MOST_SIDES:]
        ]
        if latest:
            rows = renders.rendered_rows(select(model).where(model.id.in_(latest)), model, "id")
            facts.update({(kind, fact_id): render for render, _, fact_id in rows})
    actor_ids = sorted({d[1] for d in whole if d[1] is not None})
    actors = {ref["id"]: ref for ref in compact_references(Actor, actor_ids)}
    proposals = {
        ref["id"]: ref
        for ref in compact_references(Proposal, sorted({d[2] for d in whole if d[0] == "stances"}))
    }
    return [
        {
            "kind": kind,
            "actor": actors.get(actor_id),
            "proposal": proposals[about] if kind == "stances" else None,
            "metric": about if kind == "commitments" else None,
            "event": about if kind == "events" else None,
            "positions": list(said) if kind == "stances" else [],
            "figures": list(said) if kind == "commitments" else [],
            "outcomes": list(said) if kind == "events" else [],
            "stances": sides(facts, kind, "stances", ids),
            "commitments": sides(facts, kind, "commitments", ids),
            "events": sides(facts, kind, "events", ids),
            "fact_count": len(ids),
            "timeline": timeline(kind, actor_id, about),
        }
        for kind, actor_id, about, ids, said in whole
    ]


def timeline(kind: str, actor_id: str | None, about: str) -> str:
    """The list of every fact on a disagreement's subject, oldest first."""
    if kind == "stances":
        return f"/v1/actors/{actor_id}/stances?proposal={about}&sort=reported_on"
    if kind == "commitments":
        return f"/v1/actors/{actor_id}/commitments?sort=reported_on"
    by_name = urlencode({"q": '"' + about + '"'})  # its name, as a phrase
    return f"/v1/events?{by_name}&sort=reported_on"


def sides(facts: dict, kind: str, wanted: str, ids: tuple) -> list:
    """The latest MOST_SIDES facts of a disagreement of `kind`, if it is of the kind wanted."""
    return [facts[(kind, fact_id)] for fact_id in ids[-MOST_SIDES:]] if kind == wanted else []
