"""Schemas for commitments: defence-spending figures tied to an actor."""

from marshmallow import ValidationError, fields, validate, validates_schema

from schemas.claims import ClaimQuerySchema, ClaimSchema
from schemas.fields import Number, enum_field, text_field
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

# Shares of GDP (per cent) for core defence spending and for wider security-related
# investment (NATO's 3.5% + 1.5%), and amounts of money, in a currency.
SHARES = ("defense_spending_pct_gdp", "security_investment_pct_gdp")
AMOUNTS = ("defense_spending_amount",)
METRICS = SHARES + AMOUNTS
COMMITMENT_KINDS = ("current", "announced_plan", "ambition", "proposed_target")
CURRENCY = r"^[A-Z]{3}$"


def metric_problems(metric: str, currency: str | None, values: dict) -> dict[str, str]:
    """What does not fit the metric, by field: a share of GDP is 0 to 100 and has no
    currency; an amount is at least 0 and has one. `values`: value_min and value_max."""
    problems = {}
    if metric in SHARES:
        if currency is not None:
            problems["currency"] = f"A share of GDP ({metric}) has no currency: leave it null."
        for field, value in values.items():
            if not 0 <= value <= 100:
                problems[field] = f"A share of GDP ({metric}) is from 0 to 100 (per cent)."
    else:
        if currency is None:
            problems["currency"] = f"An amount ({metric}) needs its currency, e.g. EUR or USD."
        for field, value in values.items():
            if value < 0:
                problems[field] = f"An amount ({metric}) is at least 0."
    return problems


class CommitmentSchema(ClaimSchema):
    actor = Reference(NamedRefSchema, to="actors", required=True)
    metric = enum_field(
        METRICS,
        required=True,
        metadata={
            "description": "What the figure measures: `defense_spending_pct_gdp` (core "
            "defence spending) and `security_investment_pct_gdp` (wider security-related "
            "investment) as per cent of GDP, from 0 to 100; `defense_spending_amount` as an "
            "amount of money in `currency`."
        },
    )
    currency = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(CURRENCY, error="Give an ISO 4217 code, e.g. EUR, USD, GBP."),
        metadata={
            "description": "The ISO 4217 code of an amount's currency (reference knowledge, as "
            "ISO codes are); null for a share of GDP.",
            "example": "EUR",
        },
    )
    value_min = Number(
        required=True,
        allow_nan=False,
        metadata={"description": "Per cent of GDP for a share; units of `currency` for an amount."},
    )
    value_max = Number(required=True, allow_nan=False)
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
        if "metric" in data and "value_min" in data and "value_max" in data:
            values = {"value_min": data["value_min"], "value_max": data["value_max"]}
            problems = metric_problems(data["metric"], data.get("currency"), values)
            if problems:
                raise ValidationError({field: [message] for field, message in problems.items()})


class CommitmentQuerySchema(ClaimQuerySchema):
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
