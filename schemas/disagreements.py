"""Schemas for disagreements: where sources tell one thing differently."""

from marshmallow import Schema, fields

from schemas.commitments import CommitmentSchema
from schemas.fields import Choice, ListParameter
from schemas.pages import PageItem, page_schema
from schemas.queries import QuerySchema, cursor_parameter, reference_filter, size_parameter
from schemas.references import NamedRefSchema, TitledRefSchema
from schemas.stances import StanceSchema

KINDS = ("stances", "commitments")


class DisagreementSchema(Schema):
    """One actor told differently by different sources: on one proposal, stances in different
    positions; on one metric, commitments with different figures. Each side is the fact whole,
    with its quotes, sources, dates and citation, oldest first."""

    kind = fields.String(
        metadata={"enum": list(KINDS), "description": "Which facts disagree: stances or figures."}
    )
    actor = fields.Nested(NamedRefSchema)
    proposal = fields.Nested(
        TitledRefSchema,
        allow_none=True,
        metadata={"description": "The proposal the stances are on (stances only)."},
    )
    metric = fields.String(
        allow_none=True, metadata={"description": "What the figures measure (commitments only)."}
    )
    positions = fields.List(
        fields.String(), metadata={"description": "The positions taken, oldest first."}
    )
    figures = fields.List(
        fields.String(),
        metadata={"description": "The figures given, oldest first, e.g. `2.5` or `3–3.5`."},
    )
    fact_count = fields.Integer(
        metadata={
            "description": "How many facts there are on this subject; `stances` or "
            "`commitments` show the latest ten at most."
        }
    )
    timeline = fields.String(
        metadata={"description": "Every fact on this subject, oldest first: its list's path."}
    )
    stances = fields.List(PageItem(StanceSchema), metadata={"description": "Stances only."})
    commitments = fields.List(
        PageItem(CommitmentSchema), metadata={"description": "Commitments only."}
    )


class DisagreementQuerySchema(QuerySchema):
    limit = size_parameter(
        20, 20, "Disagreements per page, 1–20 (each holds up to ten facts whole)."
    )
    cursor = cursor_parameter()
    kind = ListParameter(
        Choice(KINDS), metadata={"description": "Only these kinds: stances, commitments."}
    )
    actor = reference_filter("actors", "Only this actor's (id, name or alias).")


DisagreementPageSchema = page_schema(DisagreementSchema)
