"""The texts of the items a page of hits names, field by field: what a snippet is cut from."""

import orjson
from sqlalchemy import (
    and_,
    or_,
    select,
)

from api.search.index import text_fields, texts_of
from api.store.models import Evidence, model_of
from api.store.reads import direct_reads
from schemas.collections import names


def hit_texts(rows) -> dict:
    """The texts of the items a page of hits names, by field (their own, then their evidence's
    quotes): a fact's from its stored render, one query per collection; a source's, and a
    fact's that has no render yet, from its columns and its evidence."""
    wanted: dict[str, list[str]] = {}
    for row in rows:
        wanted.setdefault(row.type, []).append(row.item_id)
    texts: dict[tuple[str, str], list] = {}
    for kind, item_ids in wanted.items():
        if kind in names("facts"):
            texts.update(texts_from_renders(kind, item_ids))
    unread: dict[str, list[str]] = {}
    for kind, item_ids in wanted.items():
        missing = [item_id for item_id in item_ids if (kind, item_id) not in texts]
        if missing:
            unread[kind] = missing
    texts.update(texts_from_columns(unread))
    return texts


def texts_from_renders(kind: str, item_ids: list[str]) -> dict:
    """(kind, id) → texts, for the facts of `kind` that have a stored render."""
    model = model_of(kind)
    names = text_fields(model)
    texts = {}
    statement = select(model.id, model.rendered).where(model.id.in_(item_ids))
    for item_id, rendered in direct_reads().rows(statement):
        if rendered is not None:
            values = orjson.loads(rendered)
            quotes = [("evidence", span["quote"]) for span in values["evidence"]]
            texts[kind, item_id] = texts_of({name: values.get(name) for name in names}) + quotes
    return texts


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
