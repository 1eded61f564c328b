"""Schema for the whole briefing in one document."""

from marshmallow import Schema, fields

from schemas.actors import ActorSchema
from schemas.claims import basis_filter
from schemas.collections import names
from schemas.commitments import CommitmentSchema
from schemas.events import EventSchema
from schemas.pages import PageItem
from schemas.proposals import ProposalSchema
from schemas.queries import QuerySchema, as_of_filter, size_parameter, source_filter
from schemas.sources import SourceSchema
from schemas.stances import StanceSchema
from schemas.statements import StatementSchema


class BriefingProposalSchema(ProposalSchema):
    """A proposal with the first stances taken on it (as many as the briefing's
    `per_proposal`)."""

    stances = fields.List(PageItem(StanceSchema))
    stance_count = fields.Integer(metadata={"description": "How many stances it has in all."})
    stances_url = fields.String(metadata={"description": "Every stance on it: a collection."})


# Each collection of items is a section of the briefing, and so are the disagreements.
DISAGREEMENTS = "Where sources disagree (/v1/disagreements), all of them."
CountsSchema = type(
    "CountsSchema",
    (Schema,),
    {
        "__doc__": "How many items each section has in all (it shows the first `limit`).",
        **{name: fields.Integer() for name in names("items")},
        "disagreements": fields.Integer(metadata={"description": DISAGREEMENTS}),
    },
)
SectionLinksSchema = type(
    "SectionLinksSchema",
    (Schema,),
    {
        "__doc__": "Each section whole: its collection, filtered as the briefing was.",
        **{name: fields.String() for name in (*names("items"), "disagreements")},
    },
)


class ElsewhereSchema(Schema):
    actors = fields.List(fields.String(), metadata={"description": "Ids of actors shown."})
    proposals = fields.List(fields.String(), metadata={"description": "Ids of proposals shown."})


class BriefingSchema(Schema):
    """What a page needs to render the briefing, in one call: the first `limit` items of each
    section in id order, how many there are (`counts`), and where the rest are (`links`).

    With `source`, one article's briefing, whole: its facts, and the actors and proposals they
    concern, though other articles reported them first (listed in `reported_elsewhere`)."""

    SOMETIMES_SENT = ("reported_elsewhere",)

    counts = fields.Nested(CountsSchema)
    limit = fields.Integer(metadata={"description": "Items shown per section, at most."})
    per_proposal = fields.Integer(
        metadata={"description": "Stances shown under each proposal, at most."}
    )
    links = fields.Nested(SectionLinksSchema)
    sources = fields.List(PageItem(SourceSchema))
    actors = fields.List(PageItem(ActorSchema))
    proposals = fields.List(PageItem(BriefingProposalSchema))
    commitments = fields.List(PageItem(CommitmentSchema))
    events = fields.List(PageItem(EventSchema))
    statements = fields.List(PageItem(StatementSchema))
    reported_elsewhere = fields.Nested(
        ElsewhereSchema,
        metadata={
            "description": "With `source`: the actors and proposals shown because the source's "
            "facts concern them, which the source itself does not back (other sources did)."
        },
    )


class BriefingQuerySchema(QuerySchema):
    """The whole picture, or with `source` one article's; with `basis`, the claims asserted
    that way (`basis=article`: what the article asserts on its own authority)."""

    source = source_filter()
    as_of = as_of_filter()
    basis = basis_filter()
    limit = size_parameter(
        20,
        50,
        "Items shown per section, 1–50: `counts` says how many there are, `links` where the "
        "rest are.",
    )
    per_proposal = size_parameter(
        5,
        10,
        "Stances shown under each proposal, 0–10: its `stance_count` says how many it has, "
        "`stances_url` where they all are.",
        least=0,
    )
