"""Schemas for proposals: plans, demands and targets put forward by actors."""

from marshmallow import Schema, fields, validate

from schemas.claims import ClaimQuerySchema, ClaimSchema
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
from schemas.references import NamedRefSchema, Reference

PROPOSAL_KINDS = ("ceasefire", "troop_deployment", "spending_target", "security_guarantee", "other")
# `unknown`: the article says nothing that settles where the proposal stands.
PROPOSAL_STATUSES = ("proposed", "under_discussion", "stalled", "rejected", "adopted", "unknown")
PROVISION_EFFECTS = ("halts", "allows", "includes", "excludes")


class ProvisionSchema(Schema):
    text = text_field(1000, required=True)
    effect = enum_field(PROVISION_EFFECTS, required=True)


class ProposalSchema(ClaimSchema):
    title = text_field(300, required=True)
    kind = enum_field(PROPOSAL_KINDS, required=True)
    summary = text_field(5000, required=True)
    proposers = fields.List(Reference(NamedRefSchema, to="actors"), load_default=list)
    status = enum_field(PROPOSAL_STATUSES, required=True)
    provisions = fields.List(fields.Nested(ProvisionSchema), load_default=list)
    duration_days = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=100_000)
    )
    events = fields.List(Reference(NamedRefSchema, to="events"), dump_only=True)


class ProposalQuerySchema(ClaimQuerySchema):
    expand = expand_field(ProposalSchema)
    kind = enum_filter(PROPOSAL_KINDS)
    status = enum_filter(PROPOSAL_STATUSES)
    proposer = reference_filter("actors", "Actor id, name or alias.", column="proposers")
    event = reference_filter("events", "Event id or name.", column="events")
    effect = enum_filter(
        PROVISION_EFFECTS,
        "Proposals with a provision of this effect.",
        column="provisions",
        key="effect",
    )
    facet = facet_field("kind", "status", "basis")
    fields = fields_parameter(ProposalSchema)
    sort = sort_field(
        "id",
        "title",
        "status",
        "updated_at",
        "reported_on",
        description=REPORTED_SORT,
    )
