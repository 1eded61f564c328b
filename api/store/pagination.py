"""Keyset (cursor) pagination, and the collection envelope it fills."""

import base64
import binascii
import bisect
import json
import threading
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select

from api.extensions import db
from api.search.index import is_postgres
from api.store import renders
from api.store.queries import (
    apply_filters,
    bad_parameter,
    filters_of,
    load_options,
    role_hints,
    text_filter_of,
)
from api.store.version import remembered
from schemas.dates import first_and_last_day

CURSOR_HELP = "Malformed or stale cursor: use links.next from the previous page as it is."


def encode_cursor(*parts) -> str:
    parts = [part.isoformat() if isinstance(part, datetime) else part for part in parts]
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_parts(cursor: str) -> list:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    parts = json.loads(raw)
    if not isinstance(parts, list):
        raise ValueError
    return parts


def decode_cursor(cursor: str, sort: str, column, id_column):
    """Return the (value, id) a page starts after, or abort with 400."""
    try:
        cursor_sort, value, item_id = cursor_parts(cursor)
        if cursor_sort != sort:
            raise ValueError
        value = coerce(value, column.type.python_type)
        item_id = coerce(item_id, id_column.type.python_type)
    except (
        ValueError,
        TypeError,
        OverflowError,
        binascii.Error,
        UnicodeDecodeError,
        NotImplementedError,
    ):
        bad_parameter("cursor", CURSOR_HELP)
    return value, item_id


def decode_offset(cursor: str | None) -> int:
    """The offset an offset cursor (for ranked results) points at, or abort with 400."""
    if not cursor:
        return 0
    try:
        name, offset = cursor_parts(cursor)
        if name != "offset" or type(offset) is not int or not 0 <= offset <= 1_000_000:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        bad_parameter("cursor", CURSOR_HELP)
    return offset


def coerce(value, python_type):
    """Check a cursor value has the column's type (bool is not a number here)."""
    if python_type is datetime:
        return datetime.fromisoformat(value).astimezone(UTC)  # OverflowError past year 9999
    if python_type is float and type(value) in (int, float):
        return float(value)
    if type(value) is not python_type:
        raise TypeError
    return value


def paginate(
    statement, args, model, *, columns=None, scales=None, filters=None, counted=None, total=None
) -> dict:
    """Run one page of `statement` over `model`; return its `envelope`.

    Sort names are the model's attributes unless `columns` maps them; a name in `scales` sorts
    by its place on that scale (proposes → … → opposes), not alphabetically. The id breaks
    ties, so the order is total and a cursor is the last (sort value, id) seen. `filters`
    names what `statement` selects, so that its total is counted once per data version;
    `counted` is what is counted, where that is not `statement` itself (`list_items`), and
    `total` the count where the caller made it.
    """
    sort, limit = args["sort"], args["limit"]
    descending = sort.startswith("-")
    column, key, ranks, order = sort_order(sort, model, columns, scales)
    id_column = model.id

    counted = statement if counted is None else counted

    def count() -> int:
        return db.session.scalar(
            select(func.count()).select_from(counted.order_by(None).subquery())
        )

    if total is None and filters is None:
        total = count()
    elif total is None:  # counted once per data version
        total = remembered(("total", model.__tablename__, filters), count)
    if args.get("cursor"):
        value, last_id = decode_cursor(args["cursor"], sort, column, id_column)
        after = column < value if descending else column > value
        after_id = id_column < last_id if descending else id_column > last_id
        # Sorting by id itself, the plain comparison lets the (filter, id) index do the walk.
        tie_break = or_(after, and_(column == value, after_id))
        statement = statement.where(after_id if column is id_column else tie_break)
    rows = page_rows(statement.order_by(*order).limit(limit + 1), model, key)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        _, value, last_id = rows[-1]
        next_cursor = encode_cursor(sort, ranks.get(value, len(ranks)) if ranks else value, last_id)
    return envelope([item for item, _, _ in rows], total, limit, next_cursor)


# Sort names that are not the column they sort by: when an item was reported is its place in
# the sources' order (api/store/chronology.py); an event's date, its `date_order`.
SORTED_BY = {"reported_on": "reported_order", "date": "date_order"}


def sort_order(sort: str, model, columns=None, scales=None) -> tuple:
    """How `sort` orders `model` (see `paginate`): the column compared (a scale's rank where
    it has one), its attribute's key, the ranks, and the ORDER BY clauses, id last."""
    name = sort.removeprefix("-")
    column = (columns or {}).get(name) or getattr(model, SORTED_BY.get(name, name))
    key = column.key
    ranks = None
    if name in (scales or {}):
        ranks = {value: rank for rank, value in enumerate(scales[name])}
        column = case(ranks, value=column, else_=len(ranks))
    if sort.startswith("-"):
        return column, key, ranks, (column.desc(), model.id.desc())
    return column, key, ranks, (column.asc(), model.id.asc())


def every_item(model, args: dict, query_schema, batch: int):
    """Every item of the filtered collection in `sort` order, `batch` at a time: the filters
    (a search among them) run once, for the ids, and each batch is read by id."""
    statement = apply_filters(select(model.id), args, query_schema)
    scales = getattr(query_schema, "SCALES", None)
    _, _, _, order = sort_order(args["sort"], model, scales=scales)
    if args.get("as_of") and args["sort"] in ("id", "-id") and not is_postgres():
        # SQLite would walk the whole table in id order to spare a sort, reading every row's
        # date: at a million stances, 1 s for the 10,000 of the first hundred articles. The
        # day's rows read from the date index and sorted: 17 ms (1.5 s for all million, 1 s
        # walked). An id that is not the bare column leaves the index on ids alone.
        unindexed = model.id.concat("")
        order = (unindexed.desc() if args["sort"].startswith("-") else unindexed.asc(),)
    ids = db.session.scalars(statement.order_by(*order)).all()
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        found = {
            item_id: item
            for item, _, item_id in page_rows(select(model).where(model.id.in_(chunk)), model, "id")
        }
        yield [found[item_id] for item_id in chunk]


def page_rows(statement, model, key: str) -> list[tuple]:
    """A page's rows as (item, sort value, id): stored renders where the model has them
    (`api.store.renders`), else the items themselves, loaded with all they show."""
    if renders.is_stored(model):
        return renders.rendered_rows(statement, model, key)
    items = db.session.scalars(statement.options(*load_options(model))).all()
    return [(item, getattr(item, key), item.id) for item in items]


def list_items(model, args: dict, query_schema, **fixed):
    """One page of a collection, filtered by the query (and pinned by `fixed`, e.g. to the
    actor of /v1/actors/{id}/stances); returns its `envelope`. Filtered by text, the total
    and facets count the first MATCHES_COUNTED matches (api/search/engine.py) and say when
    more matched."""
    statement = apply_filters(select(model).filter_by(**fixed), {**args, "q": None}, query_schema)
    counted = statement
    matches = args.get("q") and text_filter_of(model, args["q"])
    if matches:
        statement, counted = statement.where(matches.page), statement.where(matches.counted)
    scales = getattr(query_schema, "SCALES", None)
    filters = filters_given(args, query_schema, fixed)
    total = total_as_of(model, args, query_schema, fixed, matches)
    body = paginate(
        statement, args, model, scales=scales, filters=filters, counted=counted, total=total
    )
    if matches:
        body["meta"]["total_is_lower_bound"] = matches.more
    if body["meta"]["total"] == 0 and (hints := role_hints(args, query_schema)):
        body["meta"]["hints"] = hints  # never a silent empty page for a leader's name
    if args.get("facet"):
        facets = (counted, model, query_schema, args["facet"])
        key = ("facets", model.__tablename__, filters)
        body["meta"]["facets"] = remembered((*key, *args["facet"]), lambda: count_facets(*facets))
    return body


def total_as_of(model, args: dict, query_schema, fixed: dict, matches) -> int | None:
    """With `as_of`, the list's total: what the same filters keep on or before that day,
    counted from the nearest day asked before under the same filters and data version
    (`TotalsByDay`). Without `as_of`, None: `paginate` counts."""
    name, how = next(
        ((name, how) for name, how in filters_of(query_schema).items() if how.as_of), (None, None)
    )
    if name is None or not args.get(name):
        return None
    column = getattr(model, how.column_for(name))

    def count_between(after: str | None, until: str) -> int:
        any_day = {**args, "q": None, name: None}
        undated = apply_filters(select(model.id).filter_by(**fixed), any_day, query_schema)
        if matches:
            undated = undated.where(matches.counted)
        kept = column <= until
        if after is not None:
            kept = and_(column > after, kept)
        elif how.undated_is_null:  # a source's undated is null; a fact's, '', before any day
            kept = or_(column.is_(None), kept)
        counted = undated.where(kept).order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(counted))

    by_day = filters_given({**args, name: None}, query_schema, fixed)  # `q` among them
    key = ("totals by day", model.__tablename__, by_day)
    days = remembered(key, TotalsByDay)
    return days.total(first_and_last_day(args[name])[1].isoformat(), count_between)


class TotalsByDay:
    """A filtered list's totals as of the days asked so far, under one data version. A new
    day is counted from its nearest neighbour among them — the rows between the two — not
    from the first day on record: a date slider's hundred days cost about one count of the
    collection, not a hundred (at a million stances, one is 15 ms: bench/RESULTS.md). A day
    after one it knows costs no more than counting it alone; none costs more than counting
    the whole list."""

    MOST_DAYS = 4096  # days remembered; past them a day is still counted from its neighbours

    def __init__(self):
        self.days: list[str] = []
        self.totals: dict[str, int] = {}
        self.lock = threading.Lock()

    def total(self, day: str, count_between) -> int:
        """The total on or before `day`; `count_between(after, until)` counts the rows
        after one day (None: from the start, the undated too) up to another."""
        with self.lock:
            if day in self.totals:
                return self.totals[day]
            place = bisect.bisect_left(self.days, day)
            below = self.days[place - 1] if place else None
            above = self.days[place] if place < len(self.days) else None
            totals = {known: self.totals[known] for known in (below, above) if known is not None}
        if below is not None:
            total = totals[below] + count_between(below, day)
        elif above is not None:
            total = totals[above] - count_between(day, above)
        else:
            total = count_between(None, day)
        with self.lock:
            if day not in self.totals and len(self.days) < self.MOST_DAYS:
                bisect.insort(self.days, day)
                self.totals[day] = total
        return total


def filters_given(args: dict, query_schema, fixed: dict) -> tuple:
    """What a list's filters select, as a key: the parameters that filter, as parsed, and the
    fixed ones (a sub-collection's actor)."""
    given = [(name, args.get(name)) for name in ("q", *filters_of(query_schema))]
    return tuple(sorted(fixed.items())) + tuple(
        (name, tuple(value) if isinstance(value, list) else value) for name, value in given
    )


def count_facets(statement, model, query_schema, names: list[str]) -> dict[str, dict]:
    """How many of the filtered items hold each value of each facet, most first (one GROUP BY
    each over the whole filtered collection, not the page)."""
    facets = {}
    for name in dict.fromkeys(names):
        how = filters_of(query_schema).get(name)
        column = getattr(model, how.column_for(name) if how else name)
        rows = db.session.execute(
            statement.order_by(None).with_only_columns(column, func.count()).group_by(column)
        ).all()
        ranked = sorted(rows, key=lambda row: (-row[1], str(row[0])))
        facets[name] = {str(value): count for value, count in ranked if value is not None}
    return facets


def envelope(items: list, total: int, limit: int, next_cursor: str | None) -> dict:
    """The collection body `{data, meta}`; the HTTP layer adds its `links` (api/http/formats.py
    `linked`)."""
    return {"data": items, "meta": {"total": total, "limit": limit, "next_cursor": next_cursor}}
