"""When facts were reported: sources' dates, which may be a year, a month or a day; the order of
the sources, oldest first; and each fact's place in it (its latest source's), which every write
that adds, dates or removes a source keeps up to date.

The order is schemas/dates.py `chronological`: dates decide wherever they can, the order the
sources were added in where precision cannot tell two apart; `ordered_by` keeps which."""

import bisect
from datetime import date

from sqlalchemy import and_, bindparam, case, func, or_, select, update

from api.extensions import db
from api.store.models import Evidence, Source, Stance, model_of
from schemas.collections import names
from schemas.dates import chronological, first_and_last_day
from schemas.stances import CERTAINTIES

CHANGED = "sources_changed"  # the session's note of the sources a write added, dated or removed
PAIRS = "stance_pairs"  # the (actor, proposal) pairs whose stances a write changed
UNBACKED = "facts_unbacked"  # the facts whose spans of a source a write took away
IN_PLACE = "facts_in_place"  # the facts a write changed but not where they stand


def note_sources_changed(source_id: str) -> None:
    """Note that this write added, dated or removed a source: it orders them when it ends."""
    db.session.info.setdefault(CHANGED, set()).add(source_id)


def note_unbacked(fact) -> None:
    """Note a fact whose spans of a source are taken away (a retirement): the write places it
    again when it ends."""
    db.session.info.setdefault(UNBACKED, set()).add((fact.collection, fact.id))


def note_pair(stance) -> None:
    """Note, before a stance changes or goes, its actor and proposal: the write chooses their
    current stance again when it ends."""
    db.session.info.setdefault(PAIRS, set()).add((stance.actor_id, stance.proposal_id))


def where_it_stands(fact) -> tuple:
    """What a fact's place follows (the sources of its evidence) and, for a stance, which of
    its pair's stances is current and disputed (its actor, proposal, position, certainty)."""
    sources = frozenset(span.source_id for span in fact.evidence)
    if isinstance(fact, Stance):
        return sources, fact.actor_id, fact.proposal_id, fact.position, fact.certainty
    return (sources,)


def note_change(fact, stood: tuple) -> None:
    """After a write changed a fact that stood as `where_it_stands` said: if it still stands
    there (its summary or condition changed, say), the write need neither place it nor choose
    its pair's current stance again (three statements of a PATCH); else its old pair is
    chosen again too."""
    if where_it_stands(fact) == stood:
        db.session.info.setdefault(IN_PLACE, set()).add((fact.collection, fact.id))
    elif isinstance(fact, Stance):
        db.session.info.setdefault(PAIRS, set()).add(stood[1:3])


def keep_up(*written, everything: bool = False) -> None:
    """As a write ends: place the facts it wrote, and choose the current stance of the actors
    and proposals whose stances it changed. If it added, dated or removed a source, order the
    sources again and place the facts of every source whose number changed too (an article
    moves none but itself wherever it is dated, `ORDER_GAP`; a retired one moves none, and the
    facts that lose its spans are noted: `note_unbacked`); every fact if many moved (or for
    `everything`). A fact written in place (`note_change`) is neither."""
    pairs = db.session.info.pop(PAIRS, set())
    changed = db.session.info.pop(CHANGED, set())
    facts = db.session.info.pop(UNBACKED, set())
    in_place = db.session.info.pop(IN_PLACE, set())
    written = [item for item in written if (item.collection, item.id) not in in_place]
    facts |= {(item.collection, item.id) for item in written}
    sources = changed | order_sources() if changed or everything else set()
    if everything or len(sources) > MOST_SOURCES_PLACED:
        for collection in names("facts"):
            place_facts(model_of(collection))
        choose_current()
        return
    for collection in names("facts"):
        ids = sorted(item_id for kind, item_id in facts if kind == collection)
        if ids or sources:
            place_facts(model_of(collection), ids, sources)
    pairs |= {(item.actor_id, item.proposal_id) for item in written if isinstance(item, Stance)}
    if sources:
        pairs |= pairs_backed_by(sources)
    if pairs:
        choose_current(sorted(pairs))


# Past this many sources to place the facts of, a write places every fact (one statement each
# collection) rather than naming them.
MOST_SOURCES_PLACED = 100


def backed_by(collection: str, source_ids: set[str]):
    """The ids of a collection's facts with evidence in these sources, as a subquery."""
    return select(Evidence.fact_id).where(
        Evidence.fact_type == collection, Evidence.source_id.in_(sorted(source_ids))
    )


def sources_backing(keys) -> dict[tuple[str, str], set[str]]:
    """The sources whose spans back each of these facts, by (collection, id); read 500 facts
    at a time, by a list of collections and one of ids (a row-value IN of both reads every
    span on SQLite)."""
    found: dict[tuple[str, str], set[str]] = {}
    facts = sorted({key for key in keys if key[0] != "sources"})
    for start in range(0, len(facts), 500):
        chunk = set(facts[start : start + 500])
        spans = select(Evidence.fact_type, Evidence.fact_id, Evidence.source_id).where(
            Evidence.fact_type.in_(sorted({kind for kind, _ in chunk})),
            Evidence.fact_id.in_(sorted({item_id for _, item_id in chunk})),
        )
        for fact_type, fact_id, source_id in db.session.execute(spans):
            if (fact_type, fact_id) in chunk:
                found.setdefault((fact_type, fact_id), set()).add(source_id)
    return found


def pairs_backed_by(source_ids: set[str]) -> set[tuple[str, str]]:
    """The (actor, proposal) pairs of the stances with evidence in these sources."""
    pairs = select(Stance.actor_id, Stance.proposal_id).distinct()
    pairs = pairs.where(Stance.id.in_(backed_by("stances", source_ids)))
    return {tuple(row) for row in db.session.execute(pairs)}


# Among one actor's stances on one proposal reported together, the surest is current: stated,
# then reported, then likely.
SURENESS = case(
    {certainty: rank for rank, certainty in enumerate(CERTAINTIES)}, value=Stance.certainty
)
LATEST_FIRST = (Stance.reported_order.desc().nulls_last(), SURENESS, Stance.id)


def choose_current(pairs: list[tuple[str, str]] | None = None) -> None:
    """Mark the current stance of each (actor, proposal) pair, or of every pair: the one
    reported last; among those reported together, the surest; then the first by id."""
    partition = (Stance.actor_id, Stance.proposal_id)
    ranked = select(
        Stance.id, func.row_number().over(partition_by=partition, order_by=LATEST_FIRST).label("n")
    )
    table = Stance.__table__
    statement = update(table)
    if pairs is not None:  # two lists, not a row-value IN, which SQLite answers by a scan:
        # the pairs they cross are chosen again too, alike
        actors, proposals = sorted({a for a, _ in pairs}), sorted({p for _, p in pairs})
        ranked = ranked.where(Stance.actor_id.in_(actors), Stance.proposal_id.in_(proposals))
        statement = statement.where(
            table.c.actor_id.in_(actors), table.c.proposal_id.in_(proposals)
        )
    ranked = ranked.subquery()
    firsts = select(ranked.c.id).where(ranked.c.n == 1)
    db.session.execute(
        statement.values(current=table.c.id.in_(firsts), updated_at=table.c.updated_at)
    )
    db.session.execute(
        statement.values(disputed=contradicted(table), updated_at=table.c.updated_at)
    )


def contradicted(table):
    """Whether a stance is current and an earlier one of its actor on its proposal takes
    another position, from sources it shares none of: a disagreement across sources."""
    earlier = table.alias("earlier")
    mine, theirs = Evidence.__table__.alias("mine"), Evidence.__table__.alias("theirs")
    shared = (
        select(mine.c.id)
        .join(theirs, theirs.c.source_id == mine.c.source_id)
        .where(
            mine.c.fact_type == "stances",
            mine.c.fact_id == earlier.c.id,
            theirs.c.fact_type == "stances",
            theirs.c.fact_id == table.c.id,
        )
        .correlate_except(mine, theirs)  # the stance being updated, and the earlier one
        .exists()
    )
    other_position = (
        select(earlier.c.id)
        .where(
            earlier.c.actor_id == table.c.actor_id,
            earlier.c.proposal_id == table.c.proposal_id,
            earlier.c.current.is_(False),
            earlier.c.position != table.c.position,
            ~shared,
        )
        .correlate_except(earlier)
        .exists()
    )
    return and_(table.c.current, other_position)


def order_sources_now() -> None:
    """Order the sources in the middle of a write (its answer shows a source's place); the
    facts of those that moved are placed as it ends (`keep_up`)."""
    for source_id in order_sources():
        note_sources_changed(source_id)


# The sources' numbers are ORDER_GAP apart, so that a source placed among the others takes a
# number between its neighbours' and theirs stay: the facts of the sources after it keep their
# places (numbered 1, 2, 3…, an article dated in the middle of a million stances' moved every
# later fact: 55 s on SQLite, 227 s on PostgreSQL). They are numbered afresh only when there is
# no room left between two, at most log2(ORDER_GAP) sources placed one by one in one gap.
ORDER_GAP = 1024
HIGHEST_ORDER = 2**31 - 1  # PostgreSQL's integer


def order_sources() -> set[str]:
    """Place the sources oldest first, each keeping its number where it still fits; the ids of
    those whose number changed (their facts move)."""
    rows = db.session.execute(
        select(Source.id, Source.published_on, Source.reported_order, Source.ordered_by).order_by(
            Source.created_at, Source.id
        )
    ).all()
    stored = {row.id: (row.reported_order, row.ordered_by) for row in rows}
    placed = chronological([(row.id, row.published_on) for row in rows])
    numbers = numbers_in_order([stored[source_id][0] for source_id, _ in placed])
    moved = [
        {"source_id": source_id, "order": number, "how": how}
        for number, (source_id, how) in zip(numbers, placed, strict=True)
        if stored[source_id] != (number, how)
    ]
    if moved:
        table = Source.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("source_id"))
            .values(
                reported_order=bindparam("order"),
                ordered_by=bindparam("how"),
                updated_at=table.c.updated_at,  # what the source says has not changed
            )
        )
        db.session.execute(statement, moved)
    return {each["source_id"] for each in moved if stored[each["source_id"]][0] != each["order"]}


def numbers_in_order(numbers: list[int | None]) -> list[int]:
    """Numbers for the sources in their order, given the ones they had (None for a new one):
    the most of those that still rise along it are kept, the others take numbers between
    their neighbours' (or after the last); where there is no room, all are numbered afresh."""
    kept = set(rising(numbers))
    given = [number if place in kept else None for place, number in enumerate(numbers)]
    start, room = 0, True
    while room and start < len(given):
        if given[start] is not None:
            start += 1
            continue
        end = start
        while end < len(given) and given[end] is None:
            end += 1
        low = given[start - 1] if start else 0
        count = end - start
        if end == len(given):
            given[start:end] = [low + ORDER_GAP * step for step in range(1, count + 1)]
        elif given[end] - low > count:
            span = given[end] - low
            given[start:end] = [low + span * step // (count + 1) for step in range(1, count + 1)]
        else:
            room = False
        start = end
    # Past PostgreSQL's integer too (numbers grown by sources added after the last, one by one).
    if not room or (given and given[-1] > HIGHEST_ORDER):
        return [ORDER_GAP * place for place in range(1, len(numbers) + 1)]
    return given


def rising(numbers: list[int | None]) -> list[int]:
    """The places of a longest strictly rising run of the numbers, skipping some (and Nones)."""
    ends: list[int] = []  # ends[k]: the least number ending a rising run of k + 1 numbers
    end_places: list[int] = []  # and where it is
    before: dict[int, int] = {}  # the place before each place in its run
    for place, number in enumerate(numbers):
        if number is None:
            continue
        k = bisect.bisect_left(ends, number)
        if k:
            before[place] = end_places[k - 1]
        ends[k : k + 1] = [number]
        end_places[k : k + 1] = [place]
    places, place = [], end_places[-1] if end_places else None
    while place is not None:
        places.append(place)
        place = before.get(place)
    return places[::-1]


def place_facts(model, ids: list[str] | None = None, sources: set[str] = frozenset()) -> None:
    """Set each fact's place to its latest source's, and its earliest date (`reported_from`),
    for all of `model`'s facts, or these and those with evidence in `sources`."""
    table = model.__table__

    def of_its_sources(column):
        return (
            select(column)
            .join(Evidence, Evidence.source_id == Source.id)
            .where(Evidence.fact_type == model.collection, Evidence.fact_id == table.c.id)
            .scalar_subquery()
        )

    latest = of_its_sources(func.max(Source.reported_order))
    undated = func.count() > func.count(Source.published_on)
    # Backed by an undated source, a fact counts as of any day: '' sorts before every date,
    # so `as_of` is one range of an index (an IS NULL beside it made SQLite read all of it).
    earliest = of_its_sources(case((undated, ""), else_=func.min(Source.published_on)))
    statement = update(table).values(
        reported_order=latest,
        reported_from=earliest,
        reported_to=of_its_sources(func.max(Source.published_on)),
        updated_at=table.c.updated_at,
    )
    if ids is not None:
        chosen = table.c.id.in_(ids)
        if sources:
            chosen = or_(chosen, table.c.id.in_(backed_by(model.collection, sources)))
        statement = statement.where(chosen)
    db.session.execute(statement)


def anything_unplaced() -> bool:
    """Whether a source or fact has no place yet (a database migrated to reported dates)."""
    models = [Source, *map(model_of, names("facts"))]
    return any(
        db.session.scalar(select(model.id).where(model.reported_order.is_(None)).limit(1))
        for model in models
    )


def supersedes_problem(stance) -> str | None:
    """What is wrong with the stance a stance says it supersedes, if anything."""
    earlier = stance.supersedes
    if earlier is None:
        return None
    if earlier.id == stance.id:
        return "A stance cannot supersede itself."
    if (earlier.actor_id, earlier.proposal_id) != (stance.actor_id, stance.proposal_id):
        return (
            f"'{earlier.id}' is another actor's or another proposal's stance: a stance "
            "supersedes one of the same actor on the same proposal."
        )
    return None


def infer_supersedes(stance) -> None:
    """For a new stance that does not say: its actor's current stance on its proposal, when
    this one's sources are certainly later (their first possible day after its last)."""
    current = db.session.scalar(
        select(Stance).where(
            Stance.actor_id == stance.actor_id,
            Stance.proposal_id == stance.proposal_id,
            Stance.current,
            Stance.id != stance.id,
        )
    )
    if current is not None and days(stance)[0] > days(current)[1]:
        stance.supersedes = current


def days(fact) -> tuple:
    """The first and last day a fact's sources may have been published."""
    dates = db.session.scalars(
        select(Source.published_on)
        .join(Evidence, Evidence.source_id == Source.id)
        .where(Evidence.fact_type == fact.collection, Evidence.fact_id == fact.id)
    ).all()
    spans = [first_and_last_day(published_on) for published_on in dates] or [(date.min, date.max)]
    return min(first for first, _ in spans), max(last for _, last in spans)
