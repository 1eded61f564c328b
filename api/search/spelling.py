"""The words a journalist types as one word to search — a dotted abbreviation and its plain
form, a name and its possessive, British and American spellings: the article writes
"defense", "honor", "skeptical"; our summaries "defence", "honour", "emphasised". Both the
index and the query are brought to one spelling (the American) with this list, which covers
the words of the data and their common forms; add a pair when a new article brings one."""

import re

# British → American, for whole words (lowercase; the forms that follow add -s, -d, -ing, …).
VARIANTS = {
    "defence": "defense",
    "defences": "defenses",
    "honour": "honor",
    "honoured": "honored",
    "honouring": "honoring",
    "honours": "honors",
    "sceptic": "skeptic",
    "sceptical": "skeptical",
    "scepticism": "skepticism",
    "sceptics": "skeptics",
    "favour": "favor",
    "favoured": "favored",
    "favours": "favors",
    "favourable": "favorable",
    "labour": "labor",
    "behaviour": "behavior",
    "centre": "center",
    "centres": "centers",
    "programme": "program",
    "programmes": "programs",
    "analyse": "analyze",
    "analysed": "analyzed",
    "catalogue": "catalog",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "neighbouring": "neighboring",
}
# -ise/-isation verbs and nouns: emphasise → emphasize, organisation → organization, …
ISE = re.compile(
    r"\b(emphas|organ|recogn|priorit|critic|mobil|stabil|real|util|author|character|minim|"
    r"maxim|normal|apolog|summar|legitim|modern|militar|capital|final|special|subsid|"
    r"central|polar|harmon|symbol|rational)is(e|es|ed|ing|ation|ations)\b",
    re.IGNORECASE,
)
# The British words of the list, whole (no letter before or after), in any case: a text's
# other words are passed over.
BRITISH = re.compile(r"(?<![^\W\d_])(?:" + "|".join(VARIANTS) + r")(?![^\W\d_])", re.IGNORECASE)


# Dotted abbreviations are their plain form (U.S. is US, U.K. is UK); a possessive is its name
# (Starmer's is Starmer, Zelensky’s Zelensky).
DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")


def one_spelling(text: str) -> str:
    """The text with every British spelling of the list made American, dotted abbreviations
    plain and possessives their names, its case kept (what a snippet shows of it reads as
    written, but for the spelling)."""
    text = DOTTED.sub(lambda m: m.group().replace(".", ""), text)
    text = POSSESSIVE.sub("", text)
    text = ISE.sub(lambda m: f"{m.group(1)}iz{m.group(2)}", text)
    return BRITISH.sub(american, text)


def american(match: re.Match) -> str:
    word = match.group(0)
    variant = VARIANTS[word.lower()]
    return variant.capitalize() if word[0].isupper() else variant
