"""Schemas for stances: one actor's position on one proposal."""

from marshmallow import Schema, ValidationError, fields, validates_schema

from schemas.actors import ACTOR_KINDS
from schemas.claims import ClaimQuerySchema, ClaimSchema, basis_filter
from schemas.fields import enum_field, text_field
from schemas.pages import LinksSchema, MetaSchema, PageItem
from schemas.queries import (
    MAX_FILTER_VALUES,
    REPORTED_SORT,
    QuerySchema,
    as_of_filter,
    choices_parameter,
    cursor_parameter,
    enum_filter,
    expand_field,
    facet_field,
    fields_parameter,
    filter_field,
    flag,
    reference_filter,
    size_parameter,
    sort_field,
    source_filter,
)
from schemas.references import (
    NamedRefSchema,
    Reference,
    SummarizedRefSchema,
    TitledRefSchema,
)

POSITIONS = ("proposes", "supports", "conditional", "skeptical", "opposes")
CERTAINTIES = ("stated", "reported", "likely")


class StanceSchema(ClaimSchema):
    RESERVED_IDS = ("matrix",)  # /v1/stances/matrix
    actor = Reference(NamedRefSchema, to="actors", required=True)
    proposal = Reference(TitledRefSchema, to="proposals", required=True)
    position = enum_field(POSITIONS, required=True)
    certainty = enum_field(
        CERTAINTIES,
        required=True,
        metadata={
            "description": "stated: the article states it; reported: the article attributes "
            "it to others or to perception; likely: the article hedges it."
        },
    )
    condition = text_field(2000, allow_none=True, load_default=None)
    summary = text_field(5000, required=True)
    supersedes = Reference(
        SummarizedRefSchema,
        to="stances",
        allow_none=True,
        metadata={
            "description": "The earlier stance of the same actor on the same proposal that "
            "this one supersedes, or null. Left out of a POST or an import, it is the actor's "
            "current stance on the proposal when this one's sources are certainly later; "
            "null clears it."
        },
    )


class StanceQuerySchema(ClaimQuerySchema):
    # `sort=position` and `sort=certainty` follow these scales, not the alphabet.
    SCALES = {"position": POSITIONS, "certainty": CERTAINTIES}

    expand = expand_field(StanceSchema)
    actor = reference_filter("actors", "Actor id, name or alias, e.g. 'UK'.", column="actor_id")
    proposal = reference_filter("proposals", "Proposal id or title.", column="proposal_id")
    position = enum_filter(POSITIONS)
    certainty = enum_filter(CERTAINTIES)
    current = filter_field(
        flag(
            "true: only each actor's current stance on each proposal (the one reported last, "
            "as the matrix shows it); false: only the others."
        ),
        few_true=True,
    )
    facet = facet_field("actor", "proposal", "position", "certainty", "basis")
    fields = fields_parameter(StanceSchema)
    sort = sort_field(
        "id",
        "position",
        "certainty",
        "updated_at",
        "reported_on",
        description=REPORTED_SORT
        + " `position` sorts proposes → supports → conditional → skeptical → opposes, "
        "`certainty` stated → reported → likely.",
    )

    @validates_schema
    def refuse_current_as_of(self, data, **kwargs):
        if data.get("current") is not None and data.get("as_of"):
            raise ValidationError(
                "current= is today's picture: with as_of, the matrix shows each actor's "
                "stance as it was then (/v1/stances/matrix?as_of=…).",
                "current",
            )


class MatrixCellSchema(Schema):
    SOMETIMES_SENT = ("other_positions", "timeline")  # where the actor has other stances

    position = fields.String()
    certainty = fields.String()
    basis = fields.String(metadata={"description": "Who asserts it, as a stance's `basis`."})
    asserted_by = fields.String(
        allow_none=True, metadata={"description": "The id of the actor it comes from, or null."}
    )
    stance = fields.String(metadata={"description": "The stance's own path."})
    others = fields.Integer(
        metadata={
            "description": "How many other stances this actor has on this proposal (reported "
            "earlier, or less sure): the cell is the current one, reported last."
        }
    )
    disagreeing = fields.Integer(
        metadata={"description": "How many of those others take another position."}
    )
    other_positions = fields.List(
        fields.String(),
        metadata={"description": "With others: the positions they take that differ, if any."},
    )
    timeline = fields.String(
        metadata={
            "description": "With others: the path of every stance of this actor on this "
            "proposal, oldest first, each with its sources and dates."
        }
    )


class StanceMatrixSchema(Schema):
    """Actors (rows) × proposals (columns): `cells[row][column]` is the actor's current stance
    on the proposal (reported last; the filters choose which cells show, never which stance a
    cell is), or null. A page of `limit` actors at a time, in id order; `links.next` has the
    next actors."""

    rows = fields.List(fields.Nested(NamedRefSchema))
    columns = fields.List(fields.Nested(TitledRefSchema))
    cells = fields.List(fields.List(PageItem(MatrixCellSchema, allow_none=True)))
    meta = fields.Nested(MetaSchema, metadata={"description": "`total` counts the actors (rows)."})
    links = fields.Nested(LinksSchema)


class StanceMatrixQuerySchema(QuerySchema):
    limit = size_parameter(
        20,
        20,
        "Actors (rows) per page, 1–20 (a row: a cell per proposal); with `as_of`, 10 at most "
        "(`meta.limit` says so).",
    )
    cursor = cursor_parameter()
    source = source_filter()
    as_of = as_of_filter()
    actor = reference_filter(
        "actors", "Only this actor's row (id, name or alias).", column="actor_id"
    )
    proposal = reference_filter(
        "proposals", "Only this proposal's column (id or title).", column="proposal_id"
    )
    gaps = flag(
        "Every actor is a row (of `actor_kind`, or those `actor=` names), with a null cell "
        "where it has no stance the filters keep: who takes no stance, e.g. "
        "`?proposal=coalition-of-the-willing&actor_kind=country&gaps=true`. Without it, only "
        "actors with such a stance are rows.",
        load_default=False,
    )
    actor_kind = choices_parameter(
        ACTOR_KINDS,
        "Only actors of these kinds as rows: person, country, organization, group. Several: "
        "comma-separated or repeated; any.",
        most=MAX_FILTER_VALUES,
    )
    basis = basis_filter()
