"""A draft bundle from an article's text, for an editor to confirm (`flask draft`): the source,
the actors it names that the database knows (and capitalised names it does not, as candidates),
what is said or quoted and by whom, figures, and dated meetings. Every span is the article's own
words at their offsets; every guess says so in a comment; nothing is invented. Deterministic
and offline: patterns over the text and the actors already known, nothing else."""

import calendar
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from api.extensions import db
from api.store.models import Actor, Commitment, model_of
from api.store.writes import slugify

MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}
MONTH = "|".join(MONTHS)
WEEKDAYS = set(calendar.day_name)
# "14 April 2025", "24 and 25 June" (no year), "April 14, 2025".
DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:(?: and|-|–) \d{{1,2}})? ({MONTH})(?:,? (\d{{4}}))?\b")
WRITTEN_DATE = re.compile(rf"\b({MONTH}) (\d{{1,2}}),? (\d{{4}})\b")
# "2.5%", "3-3.5%", "3 to 3.5 per cent": the least and the most.
PERCENT = re.compile(r"(\d+(?:\.\d+)?)(?: ?(?:-|–|to) ?(\d+(?:\.\d+)?))? ?(?:%|per ?cent\b)")
SPEECH = re.compile(
    r"\b(?:said|says|called|calls|argued|argues|urged|urges|warned|warns|told|stated|added|"
    r"insisted|insists)\b"
)
QUOTED = re.compile(r"[\"“]([^\"“”]+?)[,.]?[\"”]")
MEETING = re.compile(r"((?:[A-Z][\w-]* )*)((?i:summit|meeting|conference|talks))\b")
DUE_TO_MEET = re.compile(r"\b(?:due|set|scheduled) to meet\b|\bwill meet\b", re.IGNORECASE)
CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*(?: (?:of |of the )?[A-Z][\w’'-]*)*")
# Words that start sentences, not names.
NOT_NAMES = {"The", "A", "An", "This", "That", "These", "Those", "It", "Its", "In", "On", "At"}
NOT_NAMES |= {"But", "And", "If", "As", "While", "Despite", "However", "He", "She", "They", "We"}
NOT_NAMES |= {"GDP", "GNP"}  # measures, not actors
ABBREVIATED = re.compile(r"(?:\b[A-Z]|Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Prof)\.$")


@dataclass(frozen=True)
class Sentence:
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Mention:
    actor_id: str
    name: str
    start: int
    known: bool


def sentences(text: str) -> list[Sentence]:
    """The sentences of each line (paragraph) of `text`, with their offsets."""
    found = []
    for line in re.finditer(r"[^\n]+", text):
        begin = line.start()
        for end in re.finditer(r"[.!?][\"”’]?(?= +[\"“‘]?[A-Z])|$", line.group()):
            stop = line.start() + end.end()
            if ABBREVIATED.search(text[begin:stop].rstrip('"”’')):
                continue
            chunk = text[begin:stop]
            if chunk.strip():
                lead = len(chunk) - len(chunk.lstrip())
                found.append(Sentence(begin + lead, chunk.strip()))
            begin = stop
    return found


def known_actors() -> dict[str, list[str]]:
    """Every actor in the database, by id, with the names it goes by (its ISO code too)."""
    rows = db.session.execute(
        db.select(Actor.id, Actor.name, Actor.aliases, Actor.reference_aliases, Actor.iso_code)
    )
    return {
        row.id: [row.name, *row.aliases, *row.reference_aliases, *filter(None, [row.iso_code])]
        for row in rows
    }


def mentions(text: str, known: dict[str, list[str]], skip_before: int) -> list[Mention]:
    """Known actors named in `text` (longest names first), then capitalised names no known
    actor goes by (candidates), in the order they appear; none before `skip_before` (the
    title)."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    names = sorted(
        ((name, actor_id) for actor_id, names in known.items() for name in names),
        key=lambda pair: -len(pair[0]),
    )
    for name, actor_id in names:
        # A phrase in any case ("other allies" is "Other allies"); a word or code as it is.
        flags = re.IGNORECASE if " " in name else 0
        for match in re.finditer(rf"(?<![\w.]){re.escape(name)}(?!\w)", text, flags):
            if match.start() >= skip_before and free(match.start(), match.end()):
                taken.append((match.start(), match.end()))
                found.append(Mention(actor_id, name, match.start(), True))
    for match in CAPITALISED.finditer(text, skip_before):
        name = re.sub(r"[’']s$", "", match.group())
        if name in NOT_NAMES or name in MONTHS or name in WEEKDAYS:
            continue
        if not free(match.start(), match.end()):
            continue
        if people := demonym_of(name, known):  # "Italian": Italy's
            found.append(Mention(people, name, match.start(), True))
            continue
        found.append(Mention(slugify(name), name, match.start(), False))
    return sorted(found, key=lambda mention: mention.start)


def demonym_of(word: str, known: dict[str, list[str]]) -> str | None:
    """The known country or group a word such as "Italian" or "German" names, by the first
    four letters of one of its one-word names; None for any other word."""
    if " " in word or not re.search(r"(?:ian|ese|ish|an|ic)$", word) or len(word) < 5:
        return None
    for actor_id, names in known.items():
        if any(" " not in name and name[:4] == word[:4] and name != word for name in names):
            return actor_id
    return None


def speaker_in(mentions_in: list[Mention], sentence: Sentence, verb_at: int) -> Mention | None:
    """Who the sentence says speaks: named in the clause that ends with the verb ("…, the
    Italian government said"), else the sentence's first actor (its subject), a known one
    before a candidate."""
    clause_start = sentence.text.rfind(",", 0, verb_at - sentence.start) + sentence.start
    in_clause = [m for m in mentions_in if clause_start < m.start < verb_at]
    chosen = in_clause or mentions_in
    known = [m for m in chosen if m.known]
    return (known or chosen)[0] if chosen else None


def nearest(mentions_in: list[Mention], at: int) -> Mention | None:
    """The actor named closest before `at` among these, a known one before a candidate; else
    the first named after it."""
    before = [mention for mention in mentions_in if mention.start < at]
    known = [mention for mention in before if mention.known]
    if known or before:
        return (known or before)[-1]
    return mentions_in[0] if mentions_in else None


def date_in(text: str) -> tuple[str, bool] | None:
    """The first date `text` gives, as a partial date, and whether it gives its year."""
    found = [
        (match.start(), match.group(3), MONTHS[match.group(2)], int(match.group(1)))
        for match in DAY_MONTH.finditer(text)
    ] + [
        (match.start(), match.group(3), MONTHS[match.group(1)], int(match.group(2)))
        for match in WRITTEN_DATE.finditer(text)
    ]
    if not found:
        return None
    _, year, month, day = min(found)
    if year:
        return f"{year}-{month:02d}-{day:02d}", True
    return f"--{month:02d}-{day:02d}", False


class Draft:
    """The draft of one article, built section by section, then written as YAML."""

    def __init__(self, text: str, text_file: str, source_id: str):
        self.text, self.text_file, self.source_id = text, text_file, source_id
        first_line = text.split("\n", 1)[0].strip()
        # A headline: a short first line that is no sentence. Else the article starts at once,
        # and its first words stand in for a title (a guess).
        self.headline = len(first_line) <= 200 and not first_line.endswith((".", "!", "?"))
        self.title = first_line if self.headline else first_line[:80].rsplit(" ", 1)[0] + "…"
        self.body_start = len(text.split("\n", 1)[0]) if self.headline else 0
        self.known = known_actors()
        self.mentions = mentions(text, self.known, self.body_start)
        self.ids: set[tuple[str, str]] = set()
        self.sections: dict[str, list[list[str]]] = {
            "actors": [],
            "commitments": [],
            "events": [],
            "statements": [],
        }
        self.restated: dict[str, list[list[str]]] = {"actors": [], "commitments": []}
        self.candidates: dict[str, Mention] = {}
        self.used_candidates: set[str] = set()

    def span(self, sentence: Sentence, indent: str) -> list[str]:
        return [
            f"{indent}  - quote: {quoted(sentence.text)}",
            f"{indent}    start: {sentence.start}",
        ]

    def new_id(self, collection: str, base: str) -> str:
        """An id no item of the draft or the database has ('-2' and on)."""
        candidate, number = base, 1
        while (collection, candidate) in self.ids or db.session.get(
            model_of(collection), candidate
        ):
            number += 1
            candidate = f"{base}-{number}"
        self.ids.add((collection, candidate))
        return candidate

    def in_sentence(self, sentence: Sentence) -> list[Mention]:
        return [m for m in self.mentions if sentence.start <= m.start < sentence.end]

    def actor_of(self, mention: Mention | None) -> str | None:
        if mention is None:
            return None
        if not mention.known:
            self.used_candidates.add(mention.actor_id)
        return mention.actor_id

    def build(self) -> str:
        body = [s for s in sentences(self.text) if s.start >= self.body_start]
        first_named: dict[str, Sentence] = {}
        for sentence in body:
            for mention in self.in_sentence(sentence):
                first_named.setdefault(mention.actor_id, sentence)
                if not mention.known:
                    self.candidates.setdefault(mention.actor_id, mention)
        for sentence in body:
            self.figures(sentence)
            self.speech(sentence)
            self.meeting(sentence)
        for actor_id, sentence in first_named.items():
            if actor_id in self.known:
                self.restated["actors"].append(
                    [f"    - id: {actor_id}", "      evidence:", *self.span(sentence, "      ")]
                )
        return self.render(first_named)

    def figures(self, sentence: Sentence) -> None:
        matches = list(PERCENT.finditer(sentence.text))
        for index, match in enumerate(matches):
            at = sentence.start + match.start()
            actor = self.actor_of(nearest(self.in_sentence(sentence), at))
            if actor is None:
                continue
            end = matches[index + 1].start() if index + 1 < len(matches) else None
            after = re.split(r"[,;]", sentence.text[match.end() : end], maxsplit=1)[0]
            metric = (
                "security_investment_pct_gdp"
                if "security" in after
                else ("defense_spending_pct_gdp")
            )
            least = float(match.group(1))
            most = float(match.group(2) or match.group(1))
            existing = db.session.scalar(
                db.select(Commitment.id).where(
                    Commitment.actor_id == actor,
                    Commitment.metric == metric,
                    Commitment.value_min == least,
                    Commitment.value_max == most,
                )
            )
            if existing:
                self.restated["commitments"].append(
                    [
                        f"    # The same actor, metric and figure as {existing}: restated.",
                        f"    - id: {existing}",
                        "      evidence:",
                        *self.span(sentence, "      "),
                    ]
                )
                continue
            figure = "-".join(filter(None, match.groups())).replace(".", "-")
            item_id = self.new_id("commitments", f"{actor}-{metric.split('_')[0]}-{figure}-pct")
            self.sections["commitments"].append(
                [
                    f"  - id: {item_id}",
                    f"    actor: {actor}  # guess: the name closest before the figure",
                    f"    metric: {metric}  # guess: 'security' after the figure or not",
                    f"    value_min: {least:g}",
                    f"    value_max: {most:g}",
                    "    kind: announced_plan  # guess: current, announced_plan, ambition or "
                    "proposed_target",
                    "    target_year: null",
                    "    horizon: null",
                    f"    summary: {quoted(sentence.text)}  # the sentence: say it in our words",
                    "    basis: reported",
                    f"    asserted_by: {actor}  # guess",
                    "    evidence:",
                    *self.span(sentence, "    "),
                ]
            )

    def speech(self, sentence: Sentence) -> None:
        said = SPEECH.search(sentence.text)
        quote = QUOTED.search(sentence.text)
        if not said and not quote:
            return
        outside = [
            mention
            for mention in self.in_sentence(sentence)
            if not quote or not (quote.start() <= mention.start - sentence.start < quote.end())
        ]
        at = sentence.start + (said.start() if said else quote.start())
        speaker = self.actor_of(speaker_in(outside, sentence, at))
        if speaker is None and quote is None:
            return  # "said" with no one named and nothing quoted: nothing to attribute
        basis = ("quoted" if quote else "reported") if speaker else "article"
        base = f"{speaker or 'article'}-{'quote' if quote else 'says'}"
        lines = [
            f"  - id: {self.new_id('statements', base)}",
            f"    speaker: {speaker or 'null'}  # guess: "
            + ("who the sentence says speaks" if speaker else "no name outside the quote"),
            f"    summary: {quoted(sentence.text)}  # the sentence: say it in our words",
            f"    quote: {quoted(quote.group(1)) if quote else 'null'}",
            f"    basis: {basis}  # guess",
            f"    asserted_by: {speaker or 'null'}",
            "    evidence:",
            *self.span(sentence, "    "),
        ]
        self.sections["statements"].append(lines)

    def meeting(self, sentence: Sentence) -> None:
        kind_found = MEETING.search(sentence.text)
        dated = date_in(sentence.text)
        if not kind_found or not dated:
            return
        words, kind = kind_found.group(1).strip(), kind_found.group(2).lower()
        kind = {"talks": "meeting"}.get(kind, kind)
        name = f"{words} {kind}".strip()
        on, _ = dated
        due = bool(DUE_TO_MEET.search(sentence.text))
        self.sections["events"].append(
            [
                f"  - id: {self.new_id('events', slugify(name) or 'event')}",
                f"    name: {quoted(name)}  # guess: the words before '{kind}'",
                f"    kind: {kind}",
                "    location: null",
                f"    date: {quoted(on)}  # the article's date"
                + ("; no year given" if on.startswith("--") else ""),
                "    participants: []",
                "    outcome: null",
                "    basis: article",
                "    proposals: []",
                "    # status left out: "
                + ("'upcoming' is inferred (the text says it is due)" if due else "say it"),
                "    evidence:",
                *self.span(sentence, "    "),
            ]
        )

    def render(self, first_named: dict[str, Sentence]) -> str:
        dated = date_in(self.text[self.body_start :])
        published = dated[0] if dated and dated[1] else None
        out = [
            "# A draft bundle by `flask draft`: every span is the article's own words at its",
            "# offset; a comment marks each guess. Confirm or change what it says, then",
            "# `flask import --check` this file, and `flask import` it.",
            "",
            "source:",
            f"  id: {self.source_id}  # from the file's name",
            f"  title: {quoted(self.title)}  # "
            + ("the first line" if self.headline else "guess: the first words; no headline"),
            "  publisher: null",
            "  original_url: null",
            f"  published_on: {quoted(published) if published else 'null'}"
            + ("  # guess: the first full date in the text" if published else ""),
            f"  date_known_from: {'article' if published else 'null'}",
            "  language: en",
            f"  text_file: {quoted(self.text_file)}",
        ]
        for candidate_id, mention in self.candidates.items():
            if candidate_id in self.used_candidates:
                sentence = first_named[candidate_id]
                self.sections["actors"].append(
                    [
                        f"  # A name the database does not know: {mention.name!r}.",
                        f"  - id: {candidate_id}",
                        f"    name: {quoted(mention.name)}",
                        "    kind: "
                        + ("country" if " " not in mention.name else "person")
                        + "  # guess: person, country, organization or group",
                        "    evidence:",
                        *self.span(sentence, "    "),
                    ]
                )
        unused = [
            mention.name
            for candidate_id, mention in self.candidates.items()
            if candidate_id not in self.used_candidates
        ]
        if unused:
            out += ["", "# Other capitalised names, not known as actors (candidates):"]
            out += [f"#   {name}" for name in unused]
        for name, entries in self.sections.items():
            if entries:
                out += ["", f"{name}:"]
                for entry in entries:
                    out += [*entry, ""]
                out.pop()
        if any(self.restated.values()):
            out += [
                "",
                "# What the database knows already, and this article says again.",
                "restated:",
            ]
            for name, entries in self.restated.items():
                if entries:
                    out.append(f"  {name}:")
                    out += [line for entry in entries for line in entry]
        return "\n".join(out) + "\n"


def quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is one)."""
    return json.dumps(value, ensure_ascii=False)


def draft(article: Path, output: Path) -> str:
    """The draft bundle of the article at `article`, to be written at `output` (its text_file
    named relative to it)."""
    text = article.read_text(encoding="utf-8")
    text_file = os.path.relpath(article.resolve(), output.resolve().parent)
    return Draft(text, text_file, slugify(article.stem) or "article").build()
