"""Applying validated fields and evidence to models: references resolved, quotes placed."""

import hashlib

from marshmallow import Schema, fields

from api.extensions import db
from api.store import chronology
from api.store.models import Evidence, Item, Source
from api.store.quotes import closest_passage, find_forgiving
from schemas.references import Reference


class SourceTexts:
    """The sources' texts by id, as `place` asks for them: each read from the database the
    first time, since a write quotes a few sources of thousands (at a million stances, every
    text at once was 40 MB read for one quote); `given` ones (a bundle's own article) first."""

    def __init__(self, given: dict[str, str] | None = None):
        self.read: dict[str, str | None] = dict(given or {})

    def __getitem__(self, source_id: str) -> str:
        if source_id not in self.read:
            self.read[source_id] = db.session.scalar(
                db.select(Source.text).where(Source.id == source_id)
            )
        if self.read[source_id] is None:
            raise KeyError(source_id)
        return self.read[source_id]

    def __contains__(self, source_id: str) -> bool:
        try:
            self[source_id]
        except KeyError:
            return False
        return True


class FieldError(ValueError):
    """A value that passed the schema but not the database: an unknown reference, a bad quote."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def place(span: dict, texts: SourceTexts, default_source: str | None) -> tuple[str, int, int, str]:
    """Where a quote sits in its source, and the source's own characters there: found where
    it occurs once (or at `start`), as typed or with its typography made plain
    (api/store/quotes.py)."""
    source_id = span.get("source_id") or default_source
    quote = span["quote"]
    if source_id is None:
        raise ValueError("give the id of the source the quote comes from ('source')")
    if source_id not in texts:
        raise ValueError(f"unknown source '{source_id}'")
    text = texts[source_id]
    if "start" in span:
        start = span["start"]
        end = span.get("end", start + len(quote))
        if end > len(text) or end < start:  # slicing clamps: text[5:10**6]
            raise ValueError(
                f"the span {start}..{end} is not within '{source_id}' ({len(text)} characters): "
                "end is start + the quote's length"
            )
        if text[start:end] == quote and end - start == len(quote):
            return source_id, start, end, quote
        found = find_forgiving(quote, text, start)
        if "end" in span:
            found = [(begin, stop) for begin, stop in found if stop == end]
        if not found:
            elsewhere = find_forgiving(quote, text)
            hint = (
                "it is at " + ", ".join(f"{begin}..{stop}" for begin, stop in elsewhere[:3])
                if elsewhere
                else closest_passage(quote, text)
            )
            raise ValueError(
                f"quote is not at {start}..{end} of '{source_id}', which reads "
                f"{text[start:end]!r}: {hint}"
            )
        start, end = found[0]
        return source_id, start, end, text[start:end]
    count = text.count(quote)
    if count == 1:
        start = text.index(quote)
        return source_id, start, start + len(quote), quote
    found = find_forgiving(quote, text) if count == 0 else []
    if len(found) == 1:
        start, end = found[0]
        return source_id, start, end, text[start:end]
    if count or found:
        times = count or len(found)
        raise ValueError(
            f"quote {quote!r} occurs {times} times in source '{source_id}': give its start offset"
        )
    raise ValueError(
        f"quote {quote!r} is not in source '{source_id}': {closest_passage(quote, text)}"
    )


def paragraph_at(text: str, offset: int) -> int:
    """The paragraph of `text` holding `offset`, from 1: paragraphs are separated by blank
    lines."""
    return text.count("\n\n", 0, offset) + 1


def set_if_changed(item, name: str, value) -> None:
    """Assign only real changes, so that reloading the same data writes nothing."""
    if getattr(item, name) != value:
        setattr(item, name, value)


def lookup(model, item_id: str):
    found = db.session.get(model, item_id)
    if found is None:
        raise ValueError(f"unknown {model.collection.removesuffix('s')} '{item_id}'")
    return found


def is_list(field) -> bool:
    return isinstance(field, fields.List)


def apply_fields(item, data: dict, schema: Schema, lists: bool) -> None:
    """Copy loaded fields onto a model, resolving references to the items they name.

    Scalars and single references go first (`lists=False`); lists second, once every item they
    may name exists.
    """
    for name, value in data.items():
        field = schema.fields[name]
        if name == "evidence" or is_list(field) != lists:
            continue
        try:
            apply_field(item, name, value, field)
        except ValueError as error:
            raise FieldError(name, str(error)) from error


def apply_field(item, name: str, value, field) -> None:
    inner = field.inner if is_list(field) else field
    if not isinstance(inner, fields.Nested):
        set_if_changed(item, name, value)
        return
    target = related_model(type(item), name)
    if not isinstance(inner, Reference):
        apply_parts(item, name, value, target, inner.schema.fields)
    elif not is_list(field):
        set_if_changed(item, name, None if value is None else lookup(target, value))
    else:
        wanted = sorted(set(value))
        if sorted(linked.id for linked in getattr(item, name)) != wanted:
            setattr(item, name, [lookup(target, linked) for linked in wanted])


def related_model(model, name: str):
    return getattr(model, name).property.mapper.class_


def apply_parts(item, name: str, parts: list[dict], model, part_fields: dict) -> None:
    """Replace an item's own parts (an actor's roles, a proposal's provisions), rows kept in
    the order given, unless they already say the same; a part's reference names an item."""

    def seen(row) -> tuple:
        values = (getattr(row, key) for key in part_fields)
        return tuple(value.id if isinstance(value, Item) else value for value in values)

    wanted = [tuple(part.get(key) for key in part_fields) for part in parts]
    if [seen(row) for row in getattr(item, name)] == wanted:
        return
    rows = []
    for position, values in enumerate(wanted):
        row = dict(zip(part_fields, values, strict=True))
        for key, field in part_fields.items():
            if isinstance(field, Reference) and row[key] is not None:
                row[key] = lookup(related_model(model, key), row[key])
        rows.append(model(position=position, **row))
    setattr(item, name, rows)


def as_given(span: Evidence) -> dict:
    """A stored span as a body or a bundle gives one (placed again where it is)."""
    return {"source_id": span.source_id, "start": span.start, "end": span.end, "quote": span.quote}


def apply_evidence(item, spans: list[dict], texts: SourceTexts, default_source=None) -> None:
    placed = []
    for index, span in enumerate(spans):
        try:
            placed.append(place(span, texts, default_source))
        except ValueError as error:
            raise FieldError(f"evidence.{index}.quote", str(error)) from error
    current = [(span.source_id, span.start, span.end, span.quote) for span in item.evidence]
    if current == placed:
        return
    db.session.execute(
        db.delete(Evidence).where(
            Evidence.fact_type == item.collection, Evidence.fact_id == item.id
        )
    )
    db.session.add_all(
        Evidence(
            fact_type=item.collection,
            fact_id=item.id,
            position=index,
            source_id=source_id,
            start=start,
            end=end,
            quote=quote,
            paragraph=paragraph_at(texts[source_id], start),
        )
        for index, (source_id, start, end, quote) in enumerate(placed)
    )
    db.session.expire(item, ["evidence"])


def text_hash(text: str) -> str:
    """A source's text's SHA-256, by which two sources of one text are told."""
    return hashlib.sha256(text.encode()).hexdigest()


def apply_source(data: dict, source: Source | None = None) -> Source:
    """Create or update a source; its hash and word count follow its text."""
    source = source or db.session.get(Source, data["id"]) or Source(id=data["id"])
    db.session.add(source)
    chronology.note_sources_changed(source.id)
    for name, value in data.items():
        set_if_changed(source, name, value)
    # A date comes from the article unless said otherwise; no date, no origin.
    if source.published_on and not source.date_known_from:
        source.date_known_from = "article"
    elif not source.published_on:
        set_if_changed(source, "date_known_from", None)
    if "text" in data:
        text = data["text"]
        set_if_changed(source, "sha256", text_hash(text))
        set_if_changed(source, "word_count", len(text.split()))
    return source
