"""What the request asked its answer to show, read while it is dumped (marshmallow 4 has no
Schema.context): the references to embed in full, and the fields to keep."""

from contextvars import ContextVar
from dataclasses import dataclass

# The reference fields this request asked to see in full (`?expand=`); one level deep only.
expanded: ContextVar[frozenset[str]] = ContextVar("expanded", default=frozenset())


# The item fields this request asked for (`?fields=`); empty: every field.
chosen_fields: ContextVar[frozenset[str]] = ContextVar("chosen_fields", default=frozenset())
# Whether the answer is compact JSON (not CSV, not indented): a page may then embed each
# stored render's bytes as they are.
compact_json: ContextVar[bool] = ContextVar("compact_json", default=False)


@dataclass(frozen=True)
class PublishedBy:
    """With `?as_of=`: the sources published by then (and their places in the sources' order):
    a fact shows only its spans from them."""

    sources: frozenset[str]
    places: frozenset[int]


published_by: ContextVar[PublishedBy | None] = ContextVar("published_by", default=None)
