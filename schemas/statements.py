"""Schemas for statements: remarks the source reports an actor making."""

from marshmallow import ValidationError, fields, validates_schema

from schemas.claims import BASES_FROM_AN_ACTOR, ClaimQuerySchema, ClaimSchema
from schemas.fields import text_field
from schemas.queries import (
    REPORTED_SORT,
    expand_field,
    facet_field,
    fields_parameter,
    reference_filter,
    sort_field,
)
from schemas.references import NamedRefSchema, Reference


class StatementSchema(ClaimSchema):
    speaker = Reference(
        NamedRefSchema,
        to="actors",
        required=True,
        allow_none=True,
        metadata={
            "description": "Who made the remarks; null for a perception no one is named "
            "behind (basis `perceived`)."
        },
    )
    about = fields.List(Reference(NamedRefSchema, to="actors"), load_default=list)
    summary = text_field(5000, required=True)
    quote = text_field(
        5000,
        allow_none=True,
        load_default=None,
        metadata={"description": "The words the source puts in quotation marks, if any."},
    )

    @validates_schema
    def check_speaker(self, data, partial=None, **kwargs):
        """Remarks have a speaker, unless no one is named behind them."""
        if not partial and data.get("speaker") is None and data.get("basis") in BASES_FROM_AN_ACTOR:
            raise ValidationError(
                f"A '{data['basis']}' statement needs its speaker; only a 'perceived' or "
                "'article' one has none.",
                "speaker",
            )


class StatementQuerySchema(ClaimQuerySchema):
    expand = expand_field(StatementSchema)
    speaker = reference_filter("actors", "Actor id, name or alias.", column="speaker_id")
    about = reference_filter("actors", "Actor id, name or alias.")
    facet = facet_field("speaker", "basis")
    fields = fields_parameter(StatementSchema)
    sort = sort_field(
        "id",
        "updated_at",
        "reported_on",
        description=REPORTED_SORT,
    )
