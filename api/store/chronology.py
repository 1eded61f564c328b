"""When facts were reported: sources' dates, which may be a year, a month or a day; the order of
the sources, oldest first; and each fact's place in it (its latest source's), which every write
that adds, dates or removes a source keeps up to date.

The order is schemas/dates.py `chronological`: dates decide wherever they can, the order the
sources were added in where precision cannot tell two apart; `ordered_by` keeps which."""

from sqlalchemy import bindparam, func, select, update

from api.extensions import db
from api.store.models import Evidence, Source, model_of
from schemas.collections import names
from schemas.dates import chronological

CHANGED = "sources_changed"  # the session's note that a write added, dated or removed a source


def note_sources_changed() -> None:
    """Note that this write added, dated or removed a source: it orders them when it ends."""
    db.session.info[CHANGED] = True


def keep_up(*written, everything: bool = False) -> None:
    """As a write ends: order the sources again if it changed them (or `everything`), and
    place the facts it wrote (or all of them, when the order moved)."""
    if db.session.info.pop(CHANGED, False) or everything:
        if order_sources() or everything:
            for collection in names("facts"):
                place_facts(model_of(collection))
            return
    for item in written:
        if item.collection in names("facts"):
            place_facts(type(item), [item.id])


def order_sources() -> bool:
    """Number the sources oldest first; whether any place changed."""
    rows = db.session.execute(
        select(Source.id, Source.published_on, Source.reported_order, Source.ordered_by).order_by(
            Source.created_at, Source.id
        )
    ).all()
    stored = {row.id: (row.reported_order, row.ordered_by) for row in rows}
    placed = chronological([(row.id, row.published_on) for row in rows])
    moved = [
        {"source_id": source_id, "order": number, "how": how}
        for number, (source_id, how) in enumerate(placed, 1)
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
    return bool(moved)


def place_facts(model, ids: list[str] | None = None) -> None:
    """Set each fact's place to its latest source's (all of `model`'s, or these)."""
    table = model.__table__
    latest = (
        select(func.max(Source.reported_order))
        .join(Evidence, Evidence.source_id == Source.id)
        .where(Evidence.fact_type == model.collection, Evidence.fact_id == table.c.id)
        .scalar_subquery()
    )
    statement = update(table).values(reported_order=latest, updated_at=table.c.updated_at)
    if ids is not None:
        statement = statement.where(table.c.id.in_(ids))
    db.session.execute(statement)


def anything_unplaced() -> bool:
    """Whether a source or fact has no place yet (a database migrated to reported dates)."""
    models = [Source, *map(model_of, names("facts"))]
    return any(
        db.session.scalar(select(model.id).where(model.reported_order.is_(None)).limit(1))
        for model in models
    )
