"""What a journalist types, read safely: words, “quoted phrases”, prefix* terms, `a OR b` and
`-word`, in one spelling (api/search/spelling.py); and the same query in each database's own
syntax (FTS5 MATCH, PostgreSQL tsquery). What a user types is never passed through as query
syntax, so stray operators or unbalanced quotes cannot make the database fail."""

import re
from dataclasses import dataclass, field

import snowballstemmer

from api.search.spelling import one_spelling

TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')


WORD = re.compile(r"\w+")


# SQLite's FTS5 `porter` tokenizer is the original Porter stemmer.
PORTER = snowballstemmer.stemmer("porter")


class EmptyQuery(ValueError):
    """The query holds no word to search for."""


@dataclass(frozen=True)
class Term:
    """A word or a "quoted phrase" to find; with `prefix`, its last word begins a word."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass
class Query:
    """What a journalist asked for: every group must match (a group matches when any of its
    terms does: `a OR b`), and no excluded term may (`-word`)."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)


def parse(query: str) -> Query:
    """Read the syntax a journalist already knows — `"exact phrase"`, `word*`, `a OR b`,
    `-word` — and take anything else as words: never an error, never injected syntax."""
    query = re.sub("[“”„«»]", '"', query)
    parsed, joining, negating = Query(), False, False
    for phrase, word in TERM.findall(query):
        if word == "OR":
            joining = bool(parsed.groups)
            continue
        if word == "-":  # -"a phrase"
            negating = True
            continue
        negated = negating or (word.startswith("-") and len(word) > 1)
        negating = False
        words = tuple(WORD.findall(one_spelling(phrase or word)))
        if not words:
            continue
        term = Term(words, bool(word) and word.endswith("*"))
        if negated:
            parsed.excluded.append(term)
        elif joining:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        joining = False
    if not parsed.groups:
        # Nothing left to find (`-Italy`, `OR`): what was typed is taken as words.
        words = [tuple(WORD.findall(one_spelling(p or w))) for p, w in TERM.findall(query)]
        parsed = Query(groups=[[Term(found)] for found in words if found])
    if not parsed.groups:
        raise EmptyQuery("Give at least one word to search for.")
    return parsed


def fts5_term(term: Term) -> str:
    """A term in FTS5's syntax. FTS5 does not stem a prefix, while the index holds stems
    ('assurances' is 'assur'): a prefix also matches as its own stem."""
    text = f'"{" ".join(term.words)}"'
    if not term.prefix:
        return text
    stemmed = PORTER.stemWord(term.words[-1].lower())
    alternatives = [f"{text}*"]
    if stemmed != term.words[-1].lower():
        alternatives.append(f'"{" ".join((*term.words[:-1], stemmed))}"*')
    return alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})"


def fts5_query(query: Query) -> str:
    groups = " AND ".join(
        f"({' OR '.join(map(fts5_term, group))})" if len(group) > 1 else fts5_term(group[0])
        for group in query.groups
    )
    return groups + "".join(f" NOT {fts5_term(term)}" for term in query.excluded)


def ts_term(term: Term) -> str:
    """A term in PostgreSQL's tsquery syntax (to_tsquery stems a prefix itself)."""
    return "(" + " <-> ".join(f"'{w}'" for w in term.words) + (":*" if term.prefix else "") + ")"


def tsquery(query: Query) -> str:
    groups = " & ".join(f"({' | '.join(map(ts_term, group))})" for group in query.groups)
    return groups + "".join(f" & !{ts_term(term)}" for term in query.excluded)
