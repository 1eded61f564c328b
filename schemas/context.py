"""What the request asked its answer to show, read while it is dumped (marshmallow 4 has no
Schema.context): the references to embed in full, and the fields to keep."""

import functools
from collections.abc import Callable
from contextvars import ContextVar

# The reference fields this request asked to see in full (`?expand=`); one level deep only.
expanded: ContextVar[frozenset[str]] = ContextVar("expanded", default=frozenset())


# The item fields this request asked for (`?fields=`); empty: every field.
chosen_fields: ContextVar[frozenset[str]] = ContextVar("chosen_fields", default=frozenset())
# Whether the answer is compact JSON (not CSV, not indented): a page may then embed each
# stored render's bytes as they are.
compact_json: ContextVar[bool] = ContextVar("compact_json", default=False)


class PublishedBy:
    """With `?as_of=`: the last day it names, and (read when a fact restated since is shown)
    the sources published by then: such a fact shows only its spans from them."""

    def __init__(self, last: str, sources: Callable[[], frozenset[str]]):
        self.last = last
        self._sources = sources

    @functools.cached_property
    def sources(self) -> frozenset[str]:
        return self._sources()


published_by: ContextVar[PublishedBy | None] = ContextVar("published_by", default=None)
