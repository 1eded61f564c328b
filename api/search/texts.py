"""The texts of the items a page of hits names, field by field: what a snippet is cut from —
each item's own texts, its quotes, and the names of the items it refers to (a stance's actor
and proposal), which say the hit matched through them (`via`)."""

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
    quotes): a fact's from its stored render, one query per collection; a source's, and a
    fact's that has no render yet, from its columns and its evidence. And the sources its
    render names, of each fact read from one (the others' are read apart)."""
    wanted: dict[str, list[str]] = {}
    for row in rows:
        wanted.setdefault(row.type, []).append(row.item_id)
    texts: dict[tuple[str, str], list] = {}
    sources: dict[tuple[str, str], list[str]] = {}
    for kind, item_ids in wanted.items():
        if kind in names("facts"):
            texts.update(texts_from_renders(kind, item_ids, sources))
    unread: dict[str, list[str]] = {}
    for kind, item_ids in wanted.items():
        missing = [item_id for item_id in item_ids if (kind, item_id) not in texts]
        if missing:
            unread[kind] = missing
    texts.update(texts_from_columns(unread))
    return texts, sources


def texts_from_renders(kind: str, item_ids: list[str], sources: dict | None = None) -> dict:
    """(kind, id) → texts, for the facts of `kind`: from their stored renders, or rendered
    afresh where they have none yet (a database migrated from before them). With `sources`,
    each stored render's sources (its evidence's) are noted there too."""
    model = model_of(kind)
    texts, unrendered = {}, []
    statement = select(model.id, model.rendered).where(model.id.in_(item_ids))
    for item_id, rendered in direct_reads().rows(statement):
        if rendered is None:
            unrendered.append(item_id)
            continue
        values = orjson.loads(rendered)
        texts[kind, item_id] = render_texts(model, values)
        if sources is not None:
            sources[kind, item_id] = sorted({span["source"] for span in values["evidence"]})
    for item_id, item in renders.load(model, unrendered).items():
        texts[kind, item_id] = render_texts(model, orjson.loads(renders.render(item)))
    return texts


def render_texts(model, values: dict) -> list[tuple]:
    """A fact's texts as its render holds them: its own, its quotes, what it names."""
    names = text_fields(model)
    quotes = [("evidence", span["quote"]) for span in values["evidence"]]
    related = [
        entry
        for key, value in values.items()
        if key not in names and key != "evidence"
        for entry in named_in(key, value)
    ]
    return texts_of({name: values.get(name) for name in names}) + quotes + related


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
