"""Which field of a search hit matched, and that field's own text with the match marked.

The database finds and ranks the hits; this says why each one was found, in the words the
item uses (its own spelling and case): the first field that matches the most of the query's
groups, cut to a window around its first match, escaped as HTML with the matched words in
<mark>. Words are compared as the index compares them: one spelling, the same stemmer."""

import functools
import html
import re
import threading
from collections.abc import Iterable

import snowballstemmer

from api.search.spelling import one_spelling

TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\w+")  # a word, or a dotted abbreviation (U.S.)
WINDOW = 30  # words shown around the first match
STEMMERS = {"sqlite": "porter", "postgresql": "english"}  # FTS5 porter; PostgreSQL's snowball


WORDS_KEPT = 100_000  # words whose stems a process keeps


class Matcher:
    """Whether a word of a text answers a term of a query (`api.search.query.Query`)."""

    def __init__(self, query, dialect: str):
        self.algorithm = STEMMERS.get(dialect, "porter")
        self.groups = [Group(self, group) for group in query.groups]

    def forms(self, word: str) -> tuple[str, str]:
        """The word as the index compares it: one spelling, lowercase, and its stem."""
        return word_forms(self.algorithm, word)

    def marks(self, words: list[str]) -> tuple[set[int], int]:
        """The positions of the words that answer a term, and how many groups they answer."""
        forms = [self.forms(word) for word in words]
        marked, groups = set(), 0
        for group in self.groups:
            found = group.marks(forms)
            marked |= found
            groups += bool(found)
        return marked, groups


class Group:
    """The terms of one group (any of them answers it): its one-word terms checked at once per
    word (stems as a set, prefixes as one tuple), its phrases word by word."""

    def __init__(self, matcher: Matcher, terms):
        self.stems, prefixes, self.phrases = set(), [], []
        for term in terms:
            stems = [matcher.forms(word)[1] for word in term.words]
            if len(stems) > 1:
                self.phrases.append((stems, term.prefix))
            elif term.prefix:
                prefixes.append(stems[0])
            else:
                self.stems.add(stems[0])
        self.prefixes = tuple(prefixes)

    def answered_by(self, form: tuple[str, str]) -> bool:
        plain, stem = form
        return stem in self.stems or (
            bool(self.prefixes)
            and (plain.startswith(self.prefixes) or stem.startswith(self.prefixes))
        )

    def marks(self, forms: list[tuple[str, str]]) -> set[int]:
        marked = set()
        if self.stems or self.prefixes:
            marked = {place for place, form in enumerate(forms) if self.answered_by(form)}
        for stems, prefix in self.phrases:
            last = len(stems) - 1
            for start in range(len(forms) - last):
                # A phrase matches where its words follow one another (only its last word can
                # be a prefix); most places fail at its first word, compared first.
                if forms[start][1] != stems[0]:
                    continue
                if all(
                    answers(forms[start + k], stem, prefix and k == last)
                    for k, stem in enumerate(stems)
                ):
                    marked.update(range(start, start + len(stems)))
        return marked


def answers(form: tuple[str, str], wanted: str, prefix: bool) -> bool:
    """Whether a word, as (plain, stem), answers a term's word (a prefix: begins it)."""
    plain, stem = form
    return stem == wanted or (prefix and (plain.startswith(wanted) or stem.startswith(wanted)))


def best_field(fields: Iterable[tuple], matcher: Matcher) -> tuple[str, str, dict | None]:
    """The field that matched (the first matching the most groups), its marked snippet, and
    the item it names when the match is that item's name (`via`). `fields` are (field, text)
    and, for a name of a referenced item, (field, text, reference), read in turn until one
    matches every group."""
    best = first = None
    for name, text, *via in fields:
        first = first or (name, text)
        spans = [match.span() for match in TOKEN.finditer(text)]
        marked, groups = matcher.marks([text[start:end] for start, end in spans])
        if groups and (best is None or groups > best[0]):
            best = (groups, name, text, spans, marked, via[0] if via else None)
            if groups == len(matcher.groups):  # no later field can match more
                break
    if best is None:  # nothing shown matched (an index older than its texts)
        name, text = first or ("", "")
        return name, html.escape(text[:300]), None
    _, name, text, spans, marked, via = best
    return name, snippet(text, spans, marked), via


def snippet(text: str, spans: list[tuple[int, int]], marked: set[int]) -> str:
    """The text around its first marked word, escaped, the marked words in <mark>."""
    first = min(marked)
    start_word = max(0, first - WINDOW // 3)
    end_word = min(len(spans), start_word + WINDOW)
    start, end = spans[start_word][0] if start_word else 0, spans[end_word - 1][1]
    if end_word == len(spans):
        end = len(text)
    parts, cursor = [], start
    for index in range(start_word, end_word):
        if index in marked:
            word_start, word_end = spans[index]
            parts.append(html.escape(text[cursor:word_start]))
            parts.append(f"<mark>{html.escape(text[word_start:word_end])}</mark>")
            cursor = word_end
    parts.append(html.escape(text[cursor:end]))
    body = "".join(parts).strip()
    return ("…" if start else "") + body + ("…" if end < len(text) else "")


# Stemmers keep state while they work: one per thread.
stemmers = threading.local()


@functools.lru_cache(maxsize=WORDS_KEPT)
def word_forms(algorithm: str, word: str) -> tuple[str, str]:
    """(plain, stem) of a word; the same words recur across hits and requests, so each is
    stemmed once per process."""
    if not hasattr(stemmers, algorithm):
        setattr(stemmers, algorithm, snowballstemmer.stemmer(algorithm))
    plain = one_spelling(word).lower()
    if plain.isdecimal():  # a number: no stemmer changes it, and every figure is a new word
        return plain, plain
    return plain, getattr(stemmers, algorithm).stemWord(plain)
