"""Schema for the whole briefing in one document."""

from marshmallow import Schema, fields

from schemas.actors import ActorSchema
from schemas.claims import basis_filter
from schemas.commitments import CommitmentSchema
from schemas.events import EventSchema
from schemas.proposals import ProposalSchema
from schemas.queries import QuerySchema, source_filter
from schemas.sources import SourceSchema
from schemas.stances import StanceSchema
from schemas.statements import StatementSchema


class ProposalStanceSchema(StanceSchema):
    """A stance shown under its proposal."""

    class Meta:
        exclude = ("proposal",)


class BriefingProposalSchema(ProposalSchema):
    """A proposal with the stances taken on it."""

    stances = fields.List(fields.Nested(ProposalStanceSchema))


class CountsSchema(Schema):
    sources = fields.Integer()
    actors = fields.Integer()
    proposals = fields.Integer()
    stances = fields.Integer()
    commitments = fields.Integer()
    events = fields.Integer()
    statements = fields.Integer()


class BriefingSchema(Schema):
    """Everything a page needs to render the briefing, in one call."""

    counts = fields.Nested(CountsSchema)
    sources = fields.List(fields.Nested(SourceSchema))
    actors = fields.List(fields.Nested(ActorSchema))
    proposals = fields.List(fields.Nested(BriefingProposalSchema))
    commitments = fields.List(fields.Nested(CommitmentSchema))
    events = fields.List(fields.Nested(EventSchema))
    statements = fields.List(fields.Nested(StatementSchema))


class BriefingQuerySchema(QuerySchema):
    """The whole picture, or with `source` one article's; with `basis`, the claims asserted
    that way (`basis=article`: what the article asserts on its own authority)."""

    source = source_filter()
    basis = basis_filter()
