"""What a fact's own words must satisfy, whoever writes them — an import, a POST, a PATCH: one
function per rule, called from each, with the same messages; and what a write infers from a
fact's quotes where the writer did not say.

Our words say no more than the fact's evidence: a summary, description, outcome or condition
that names a number or an actor (by any of its names) absent from the fact's own quotes is
refused, so that no sentence rests on another fact's quote. Words in square brackets are an
editor's note, as in print ("[corrected on 14 April]"), not a claim: they are not checked."""

import re
from dataclasses import dataclass

from api.extensions import db
from api.store.models import Actor, Event, Source

# The fields that tell, in our words, what an item's evidence says.
TOLD_IN = ("summary", "description", "outcome", "condition")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
EDITORS_NOTE = re.compile(r"\[[^\[\]]*\]")


@dataclass(frozen=True)
class ActorNames:
    """Every name, alias and reference alias of every actor: one pattern finding any of them as
    whole words (the longest first), and the actors each name is one of."""

    pattern: re.Pattern | None
    actors_named: dict[str, list[str]]

    def named_in(self, text: str) -> list[tuple[str, str]]:
        """(name as found, actor id) of each actor `text` names."""
        if self.pattern is None:
            return []
        return [
            (match.group(), actor_id)
            for match in self.pattern.finditer(text)
            for actor_id in self.actors_named[match.group()]
        ]


def unsaid_by_evidence(
    item_id: str, told: dict[str, str | None], quotes: list[str], names: ActorNames
) -> list[tuple[str, str]]:
    """(field, message) for each of `told` (TOLD_IN's fields, as the item has them) that names
    a number, or an actor other than the item itself, that none of `quotes` names."""
    quoted = " ".join(quotes).replace("’", "'")
    numbers = NUMBER.findall(quoted)
    quoted_actors = {actor_id for _, actor_id in names.named_in(quoted)}
    problems = []
    for field in TOLD_IN:
        text = EDITORS_NOTE.sub(" ", told.get(field) or "").replace("’", "'")
        missing = [number for number in NUMBER.findall(text) if number not in numbers]
        missing += [
            found
            for found, actor_id in names.named_in(text)
            if actor_id != item_id and actor_id not in quoted_actors
        ]
        if missing:
            problems.append(
                (
                    field,
                    f"names {', '.join(dict.fromkeys(missing))}, which its evidence does not: "
                    "quote the span that says so, or leave it out.",
                )
            )
    return problems


def actor_names(also: dict[str, list[str]] | None = None) -> ActorNames:
    """The names of every actor in the database, and of `also` (id: names, e.g. a bundle's)."""
    rows = db.session.execute(
        db.select(Actor.id, Actor.name, Actor.aliases, Actor.reference_aliases)
    )
    actors = {row.id: [row.name, *row.aliases, *row.reference_aliases] for row in rows}
    actors.update(also or {})
    actors_named: dict[str, list[str]] = {}
    for actor_id, names in actors.items():
        for name in names:
            actors_named.setdefault(name.replace("’", "'"), []).append(actor_id)
    if not actors_named:
        return ActorNames(None, {})
    longest_first = sorted(actors_named, key=len, reverse=True)
    any_name = "|".join(map(re.escape, longest_first))
    return ActorNames(re.compile(rf"(?<![\w.])(?:{any_name})(?!\w)"), actors_named)


def twin_source(source_id: str, sha256: str) -> str | None:
    """Why a source with this text cannot be added as `source_id`: another source has the
    same text, byte for byte (by its hash); None if none has."""
    with db.session.no_autoflush:
        twin = db.session.scalar(
            db.select(Source.id).where(Source.sha256 == sha256, Source.id != source_id).limit(1)
        )
    if twin is None:
        return None
    return (
        f"This text is already source '{twin}' (/v1/sources/{twin}), byte for byte: cite that "
        "source, or retire it first."
    )


# An event its quotes say is to take place: "are due to meet", "is scheduled to be held".
DUE = re.compile(
    r"\b(?:due|scheduled|set|expected|planned) to (?:meet|be held|take place|gather|convene)\b"
    r"|\bwill (?:meet|be held|take place|gather|convene)\b",
    re.IGNORECASE,
)


def infer_status(item, data: dict, quotes: list[str]) -> None:
    """An event whose writer gave no status, and which has none: `upcoming` where its quotes
    say it is due, scheduled or set to take place (as of its sources' date); else none."""
    if isinstance(item, Event) and "status" not in data and item.status is None:
        if any(DUE.search(quote) for quote in quotes):
            item.status = "upcoming"
