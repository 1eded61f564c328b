"""What a bundle's content must satisfy beyond its schemas: every quote verbatim in its source,
and our words saying no more than the item's own evidence."""

import re

from api.extensions import db
from api.loading.files import Bundle
from api.store.facts import place
from api.store.models import (
    Actor,
    Source,
)


def check_quotes(bundle: Bundle) -> None:
    """Every span verbatim in its source: the bundle's own text, or one in the database."""
    texts = dict(db.session.execute(db.select(Source.id, Source.text)).all())
    texts[bundle.source["id"]] = bundle.source["text"]
    restated = [(*entry, True) for entry in bundle.restatements()]
    for name, index, data, *is_restated in bundle.entries()[1:] + restated:
        for span_index, span in enumerate(data["evidence"]):
            try:
                place(span, texts, bundle.source["id"])
            except ValueError as error:
                message = f"evidence.{span_index}.quote: {error}"
                field = ("evidence", span_index, "quote")
                bundle.report(name, index, data, message, *field, restated=bool(is_restated))


# The fields that tell, in our words, what an item's evidence says.
TOLD_IN = ("summary", "description", "outcome", "condition")


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def check_summaries(bundle: Bundle) -> None:
    """Our words say no more than the item's own evidence: a summary, description, outcome or
    condition that names a number or an actor (by any of its names) absent from that item's
    quotes is refused, so that no sentence rests on another item's quote."""
    names = actor_names(bundle)
    for name, index, data in bundle.entries()[1:]:
        quotes = " ".join(span["quote"] for span in data["evidence"]).replace("’", "'")
        numbers = NUMBER.findall(quotes)
        for told_in in TOLD_IN:
            told = (data.get(told_in) or "").replace("’", "'")
            missing = [number for number in NUMBER.findall(told) if number not in numbers]
            missing += [
                found
                for actor_id, patterns in names.items()
                for found in named_in(told, patterns)
                if actor_id != data["id"] and not named_in(quotes, patterns)
            ]
            if missing:
                message = (
                    f"{told_in}: names {', '.join(dict.fromkeys(missing))}, which its "
                    "evidence does not: quote the span that says so, or leave it out."
                )
                bundle.report(name, index, data, message, told_in)


def actor_names(bundle: Bundle) -> dict[str, list[re.Pattern]]:
    """Every actor of the bundle and the database, with a pattern per name it goes by."""
    rows = db.session.execute(
        db.select(Actor.id, Actor.name, Actor.aliases, Actor.reference_aliases)
    )
    actors = {row.id: [row.name, *row.aliases, *row.reference_aliases] for row in rows}
    for data in bundle.items["actors"]:
        actors[data["id"]] = [data["name"], *data["aliases"], *data["reference_aliases"]]
    return {
        actor_id: [re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)") for name in names]
        for actor_id, names in actors.items()
    }


def named_in(text: str, patterns: list[re.Pattern]) -> list[str]:
    return [match.group() for pattern in patterns for match in pattern.finditer(text)]
