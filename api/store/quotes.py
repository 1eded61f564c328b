"""Where a quote sits in its source. A quote is stored verbatim, with the source's own
characters; an editor may type it with other quote marks, apostrophes, dashes, an ellipsis of
three dots or other runs of whitespace, and it is found all the same. A quote that is still not
found is answered with the closest passage and the first character that differs."""

import re
from difflib import SequenceMatcher

# Characters an editor's keyboard gives one way and an article another: each to the plain one.
TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        "\u00a0": " ",
    }
)
WHITESPACE = re.compile(r"\s+")


def plain(text: str) -> tuple[str, list[int]]:
    """`text` with its typography made plain (see TYPOGRAPHY; "…" as "..."; each run of
    whitespace one space), and for each character of it the offset in `text` it comes from."""
    chars, offsets = [], []
    previous_space = False
    for offset, char in enumerate(text):
        if char.isspace():
            if not previous_space:
                chars.append(" ")
                offsets.append(offset)
            previous_space = True
            continue
        previous_space = False
        made_plain = "..." if char == "…" else char.translate(TYPOGRAPHY)
        chars.extend(made_plain)
        offsets.extend([offset] * len(made_plain))
    return "".join(chars), offsets


def plain_quote(quote: str) -> str:
    return plain(quote.strip())[0]


def find_forgiving(quote: str, text: str, start: int | None = None) -> list[tuple[int, int]]:
    """The spans of `text` that read as `quote` once typography is made plain: (start, end)
    in `text`'s own offsets; those that begin at `start` only, if given."""
    wanted = plain_quote(quote)
    if not wanted:
        return []
    flat, offsets = plain(text)
    spans, at = [], flat.find(wanted)
    while at != -1:
        last = at + len(wanted) - 1
        span = (offsets[at], offsets[last] + 1)
        if start is None or span[0] == start:
            spans.append(span)
        at = flat.find(wanted, at + 1)
    return spans


def closest_passage(quote: str, text: str) -> str:
    """Where `text` comes closest to `quote`, and the first character that differs, in words:
    for a quote that is in no form in the text."""
    wanted = plain_quote(quote)
    flat, offsets = plain(text)
    matcher = SequenceMatcher(None, flat, wanted, autojunk=False)
    match = matcher.find_longest_match(0, len(flat), 0, len(wanted))
    if match.size == 0:
        return "no passage of the source shares a word with it"
    begin = max(match.a - match.b, 0)
    passage = flat[begin : begin + len(wanted)]
    differ = next(
        (i for i, (a, b) in enumerate(zip(wanted, passage, strict=False)) if a != b),
        min(len(wanted), len(passage)),
    )
    first, last = offsets[begin], offsets[min(begin + len(wanted), len(flat)) - 1] + 1
    closest = text[first:last]
    if differ >= len(passage):
        where = f"the source ends after {closest!r}"
    else:
        where = f"the quote has {wanted[differ]!r} where the source has {passage[differ]!r}"
    return (
        f"the closest passage, at {first}..{last}, is {closest!r}; they differ at character "
        f"{differ + 1} of the quote: {where}"
    )
