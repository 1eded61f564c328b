"""Schemas for events: meetings and summits."""

from marshmallow import fields

from schemas.claims import ClaimQuerySchema, ClaimSchema
from schemas.dates import EventDate, precision
from schemas.fields import enum_field, text_field
from schemas.queries import (
    REPORTED_SORT,
    enum_filter,
    expand_field,
    facet_field,
    fields_parameter,
    reference_filter,
    sort_field,
)
from schemas.references import NamedRefSchema, Reference, TitledRefSchema

EVENT_KINDS = ("summit", "meeting", "conference", "other")
EVENT_STATUSES = ("upcoming", "held", "cancelled")


class EventSchema(ClaimSchema):
    name = text_field(300, required=True)
    kind = enum_field(EVENT_KINDS, required=True)
    location = text_field(300, allow_none=True, load_default=None)
    date = EventDate(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "When it is or was, as precisely as the article says: a year, a "
            "month, a day, or a day of a month in a year it does not say (`--06-24` for "
            '"24 June"). The first day of an event of several. Null when unknown.',
            "example": "--06-24",
        },
    )
    date_precision = fields.Function(
        lambda event: precision(event.date),
        dump_only=True,
        metadata={
            "type": ["string", "null"],
            "enum": ["year", "month", "day", "day_without_year", None],
            "description": "How much of a date `date` gives.",
        },
    )
    status = enum_field(
        EVENT_STATUSES,
        allow_none=True,
        metadata={
            "description": "As its sources report it, as of their date: `upcoming` (it is to "
            'take place: "are due to meet"), `held` or `cancelled`; null when they do not '
            "say. Left out of a new event, it is `upcoming` where its quotes say it is due, "
            "scheduled or set to take place, or will."
        },
    )
    participants = fields.List(Reference(NamedRefSchema, to="actors"), load_default=list)
    outcome = text_field(5000, allow_none=True, load_default=None)
    proposals = fields.List(Reference(TitledRefSchema, to="proposals"), load_default=list)


class EventQuerySchema(ClaimQuerySchema):
    expand = expand_field(EventSchema)
    kind = enum_filter(EVENT_KINDS)
    status = enum_filter(EVENT_STATUSES)
    participant = reference_filter("actors", "Actor id, name or alias.", column="participants")
    proposal = reference_filter("proposals", "Proposal id or title.", column="proposals")
    facet = facet_field("kind", "status", "basis")
    fields = fields_parameter(EventSchema)
    sort = sort_field(
        "id",
        "name",
        "date",
        "updated_at",
        "reported_on",
        description=REPORTED_SORT
        + " `date`: the events' own dates, a year before its months and days; days without "
        "a year after every dated event; undated events last.",
    )
