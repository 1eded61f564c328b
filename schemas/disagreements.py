"""Schemas for disagreements: where sources tell one thing differently."""

from marshmallow import Schema, fields

from schemas.commitments import CommitmentSchema
from schemas.events import EventSchema
from schemas.pages import PageItem, page_schema
from schemas.queries import (
    MAX_FILTER_VALUES,
    QuerySchema,
    choices_parameter,
    cursor_parameter,
    reference_filter,
    size_parameter,
)
from schemas.references import NamedRefSchema, TitledRefSchema
from schemas.stances import StanceSchema

KINDS = ("stances", "commitments", "events")


class DisagreementSchema(Schema):
    """What different sources tell differently: one actor's stances on one proposal in
    different positions; its commitments on one metric with different figures; one event (by
    name and kind) upcoming, held or cancelled, or with different outcomes. Each side is the
    fact whole, with its quotes, sources, dates and citation, oldest first."""

    kind = fields.String(
        metadata={
            "enum": list(KINDS),
            "description": "Which facts disagree: stances, figures or events.",
        }
    )
    actor = fields.Nested(
        NamedRefSchema,
        allow_none=True,
        metadata={"description": "The actor told differently (stances, figures); null for events."},
    )
    proposal = fields.Nested(
        TitledRefSchema,
        allow_none=True,
        metadata={"description": "The proposal the stances are on (stances only)."},
    )
    metric = fields.String(
        allow_none=True, metadata={"description": "What the figures measure (commitments only)."}
    )
    event = fields.String(
        allow_none=True, metadata={"description": "The event's name (events only)."}
    )
    positions = fields.List(
        fields.String(), metadata={"description": "The positions taken, oldest first."}
    )
    figures = fields.List(
        fields.String(),
        metadata={"description": "The figures given, oldest first, e.g. `2.5` or `3–3.5`."},
    )
    outcomes = fields.List(
        fields.String(),
        metadata={
            "description": "What each source says of the event, oldest first: its status "
            "(`unknown` where none is given), and its outcome after a colon, e.g. `upcoming` "
            "or `held: agreed on a joint statement` (events only)."
        },
    )
    fact_count = fields.Integer(
        metadata={
            "description": "How many facts there are on this subject; `stances`, "
            "`commitments` or `events` show the latest ten at most."
        }
    )
    timeline = fields.String(
        metadata={"description": "Every fact on this subject, oldest first: its list's path."}
    )
    stances = fields.List(PageItem(StanceSchema), metadata={"description": "Stances only."})
    commitments = fields.List(
        PageItem(CommitmentSchema), metadata={"description": "Commitments only."}
    )
    events = fields.List(PageItem(EventSchema), metadata={"description": "Events only."})


class DisagreementQuerySchema(QuerySchema):
    limit = size_parameter(
        20, 20, "Disagreements per page, 1–20 (each holds up to ten facts whole)."
    )
    cursor = cursor_parameter()
    kind = choices_parameter(
        KINDS, "Only these kinds: stances, commitments, events.", most=MAX_FILTER_VALUES
    )
    actor = reference_filter(
        "actors", "Only this actor's (id, name or alias); for events, those it takes part in."
    )


DisagreementPageSchema = page_schema(DisagreementSchema)
