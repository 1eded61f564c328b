"""Schemas for commitments: defence-spending figures tied to an actor."""

from marshmallow import ValidationError, fields, validate, validates_schema

from schemas.claims import ClaimQuerySchema, ClaimSchema
from schemas.fields import Number, enum_field, text_field
from schemas.items import patch_schema, request_schema
from schemas.pages import page_schema
from schemas.queries import (
    REPORTED_SORT,
    ItemQuerySchema,
    as_of_filter,
    enum_filter,
    expand_field,
    facet_field,
    fields_parameter,
    reference_filter,
    sort_field,
    source_filter,
)
from schemas.references import NamedRefSchema, Reference

METRICS = ("defense_spending_pct_gdp",)
COMMITMENT_KINDS = ("current", "announced_plan", "ambition", "proposed_target")
PERCENT = validate.Range(min=0, max=100)


class CommitmentSchema(ClaimSchema):
    actor = Reference(NamedRefSchema, to="actors", required=True)
    metric = enum_field(METRICS, required=True)
    value_min = Number(required=True, validate=PERCENT, allow_nan=False)
    value_max = Number(required=True, validate=PERCENT, allow_nan=False)
    kind = enum_field(COMMITMENT_KINDS, required=True)
    target_year = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1900, max=2200),
        metadata={"description": "Null when the source gives no year."},
    )
    horizon = text_field(
        200,
        allow_none=True,
        load_default=None,
        metadata={"description": "The source's own words for when, e.g. 'in the near future'."},
    )
    applies_to = fields.List(
        Reference(NamedRefSchema, to="actors"),
        load_default=list,
        metadata={"description": "Whom a target is set for, when not the actor itself."},
    )
    summary = text_field(5000, required=True)

    @validates_schema
    def check_range(self, data, **kwargs):
        if "value_min" in data and "value_max" in data and data["value_min"] > data["value_max"]:
            raise ValidationError("Must not exceed value_max.", "value_min")


class CommitmentQuerySchema(ClaimQuerySchema):
    source = source_filter()
    as_of = as_of_filter()
    expand = expand_field(CommitmentSchema)
    actor = reference_filter("actors", "Actor id, name or alias.", column="actor_id")
    applies_to = reference_filter("actors", "Actor id, name or alias.")
    metric = enum_filter(METRICS)
    kind = enum_filter(COMMITMENT_KINDS)
    facet = facet_field("actor", "metric", "kind", "basis")
    fields = fields_parameter(CommitmentSchema)
    sort = sort_field(
        "id",
        "value_min",
        "value_max",
        "kind",
        "updated_at",
        "reported_on",
        description=REPORTED_SORT,
    )


class CommitmentItemQuerySchema(ItemQuerySchema):
    expand = expand_field(CommitmentSchema)


CommitmentInputSchema = request_schema(CommitmentSchema)
CommitmentPatchSchema = patch_schema(CommitmentSchema)


CommitmentPageSchema = page_schema(CommitmentSchema)
