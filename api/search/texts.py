"""The texts of the items a page of hits names, field by field: what a snippet is cut from —
each item's own texts, its quotes, and the names of the items it refers to (a stance's actor
and proposal), which say the hit matched through them (`via`)."""

from collections.abc import Iterable, Iterator

import orjson
from sqlalchemy import (
    and_,
    or_,
    select,
)

from api.search.index import text_fields, texts_of
from api.store import renders
from api.store.models import Evidence, model_of
from api.store.reads import direct_reads
from schemas.collections import names


def hit_texts(rows) -> tuple[dict, dict]:
    """The texts of the items a page of hits names, by field (their own, then their evidence's
    quotes, then the names of what they refer to): a fact's from its stored render
    (`row.rendered`, read with the hits), or rendered afresh where it has none yet (a database
    migrated from before renders); a source's from its columns. And the sources each fact's
    render names (a source's are read apart)."""
    texts: dict[tuple[str, str], Iterable] = {}
    sources: dict[tuple[str, str], list[str]] = {}
    unread: dict[str, list[str]] = {}

    def read(kind: str, item_id: str, values: dict) -> None:
        texts[kind, item_id] = render_texts(model_of(kind), values)
        sources[kind, item_id] = sorted({span["source"] for span in values["evidence"]})

    for row in rows:
        if row.rendered is None:
            unread.setdefault(row.type, []).append(row.item_id)
        else:
            read(row.type, row.item_id, orjson.loads(row.rendered))
    for kind in names("facts"):
        for item_id, item in renders.load_afresh(model_of(kind), unread.pop(kind, [])).items():
            read(kind, item_id, orjson.loads(renders.render(item)))
    texts.update(texts_from_columns(unread))
    return texts, sources


def render_texts(model, values: dict) -> Iterator[tuple]:
    """A fact's texts as its render holds them: its own, its quotes, what it names; each read
    when asked for (a snippet mostly stops at the first)."""
    names = text_fields(model)
    yield from texts_of({name: values.get(name) for name in names})
    for span in values["evidence"]:
        yield ("evidence", span["quote"])
    for key, value in values.items():
        if key not in names and key != "evidence":
            yield from named_in(key, value)


def texts_from_columns(wanted: dict[str, list[str]]) -> dict:
    """(kind, id) → texts, read from the items' own columns (one query per collection) and
    their evidence's quotes (one query)."""
    texts: dict[tuple[str, str], list] = {}
    for kind, item_ids in wanted.items():
        model = model_of(kind)
        names = text_fields(model)
        columns = [getattr(model, name) for name in names]
        for item_id, *values in direct_reads().rows(
            select(model.id, *columns).where(model.id.in_(item_ids))
        ):
            texts[kind, item_id] = texts_of(dict(zip(names, values, strict=True)))
    facts = {kind: item_ids for kind, item_ids in wanted.items() if kind != "sources"}
    if facts:
        # Per collection, so that SQLite walks the (fact_type, fact_id) index: a row-value IN
        # over both columns makes it scan every span (34 ms against 0.8 at 100,000 stances).
        spans = select(Evidence.fact_type, Evidence.fact_id, Evidence.quote).where(
            or_(
                *(
                    and_(Evidence.fact_type == kind, Evidence.fact_id.in_(item_ids))
                    for kind, item_ids in facts.items()
                )
            )
        )
        for kind, item_id, quote in direct_reads().rows(spans.order_by(Evidence.position)):
            texts.setdefault((kind, item_id), []).append(("evidence", quote))
    return texts


def named_in(field: str, value) -> list[tuple]:
    """What a field of a render names: a reference's name or title, as (field, text, the
    reference); a part's own words (a role's title, a provision's text) as (field, text),
    and the references it holds."""
    if isinstance(value, list):
        return [entry for item in value for entry in named_in(field, item)]
    if not isinstance(value, dict):
        return []
    if "url" in value and "id" in value:  # a reference
        label = value.get("name") or value.get("title") or value.get("summary")
        return [(field, label, value)] if label else []
    found = [(field, value[key]) for key in ("title", "text") if isinstance(value.get(key), str)]
    for item in value.values():
        if isinstance(item, dict | list):
            found += named_in(field, item)
    return found
