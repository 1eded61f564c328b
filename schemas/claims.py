"""Claims: facts the article asserts, and who asserts them (`basis`, `asserted_by`)."""

from marshmallow import (
    ValidationError,
    validates_schema,
)

from schemas.fields import ListParameter, enum_field
from schemas.items import SourcedSchema
from schemas.queries import (
    CollectionQuerySchema,
    as_of_filter,
    enum_filter,
    paragraph_filter,
    reference_filter,
    source_filter,
)
from schemas.references import NamedRefSchema, Reference

# Who asserts a claim in the article, and an example of each from the seed's article.
BASES = {
    "quoted": "the actor's own words, quoted: Trump called Zelensky's remarks “the worst "
    "statement”",
    "reported": "speech or acts of the actor that the article reports: “Macron called on "
    "European countries to increase their military expenditures”; “critics argue that such a "
    "partial ceasefire would only give Russia an opportunity to regroup”",
    "article": "the article's own assertion or analysis: “This stance reflects a broader divide "
    "within the alliance”",
    "perceived": "a perception no one is named behind: “These statements have been perceived "
    "as an attempt to undermine European unity”",
}


# The bases whose claim comes from an actor, named in `asserted_by`.
BASES_FROM_AN_ACTOR = ("quoted", "reported")


def attribution_problem(basis: str, asserted_by: str | None) -> str | None:
    """Why this basis and actor do not go together, or None."""
    claim = f"{'An' if basis[0] in 'aeiou' else 'A'} '{basis}' claim"
    if basis in BASES_FROM_AN_ACTOR and asserted_by is None:
        return f"{claim} needs asserted_by: the actor whose words or acts the article reports."
    if basis not in BASES_FROM_AN_ACTOR and asserted_by is not None:
        return (
            f"{claim} comes from no actor: leave asserted_by null, or choose "
            f"{' or '.join(BASES_FROM_AN_ACTOR)}."
        )
    return None


class ClaimSchema(SourcedSchema):
    """A fact the article asserts, and who asserts it: `basis`, and `asserted_by`."""

    basis = enum_field(
        tuple(BASES),
        required=True,
        metadata={
            "description": "Who asserts this in the article. "
            + "; ".join(f"`{name}`: {example}" for name, example in BASES.items())
            + ".",
            "example": "reported",
        },
    )
    asserted_by = Reference(
        NamedRefSchema,
        to="actors",
        allow_none=True,
        load_default=None,
        metadata={
            "description": "The actor the claim comes from: needed for `quoted` and "
            "`reported`, null for `article` and `perceived`."
        },
    )

    @validates_schema
    def check_attribution(self, data, partial=None, **kwargs):
        """A whole item's basis and actor go together (a PATCH is checked on the item it
        changes, see api.store.writes)."""
        if partial or "basis" not in data:
            return
        problem = attribution_problem(data["basis"], data.get("asserted_by"))
        if problem:
            raise ValidationError(problem, "asserted_by")


def basis_filter() -> ListParameter:
    """`basis=`: the claims asserted that way."""
    return enum_filter(
        tuple(BASES),
        "Who asserts it: one of quoted, reported, article, perceived; `basis=article` is what "
        "the article asserts on its own authority.",
    )


class ClaimQuerySchema(CollectionQuerySchema):
    """Parameters every collection of claims accepts: who asserts them, which article (and
    paragraph of it) reports them, and as of when."""

    basis = basis_filter()
    asserted_by = reference_filter(
        "actors", "The actor a claim comes from (id, name or alias).", column="asserted_by_id"
    )
    source = source_filter()
    paragraph = paragraph_filter()
    as_of = as_of_filter()
