"""Schemas for actors: people, countries, organizations and groups."""

from marshmallow import Schema, fields, validate

from schemas.fields import CountryCode, enum_field, text_field
from schemas.items import SourcedSchema
from schemas.queries import (
    REPORTED_SORT,
    CollectionQuerySchema,
    any_of,
    as_of_filter,
    enum_filter,
    expand_field,
    facet_field,
    fields_parameter,
    paragraph_filter,
    reference_filter,
    sort_field,
    source_filter,
)
from schemas.references import NamedRefSchema, Reference

ACTOR_KINDS = ("person", "country", "organization", "group")
KNOWN_FROM = ("article", "reference")


class RoleSchema(Schema):
    title = text_field(200, required=True, metadata={"example": "Prime Minister"})
    of = Reference(
        NamedRefSchema, to="actors", expand_as="roles", allow_none=True, load_default=None
    )


class ActorSchema(SourcedSchema):
    name = text_field(200, required=True)
    kind = enum_field(ACTOR_KINDS, required=True)
    aliases = fields.List(
        text_field(200),
        load_default=list,
        metadata={"description": "Other names the article itself uses, e.g. 'UK'."},
    )
    roles = fields.List(fields.Nested(RoleSchema), load_default=list)
    members = fields.List(
        Reference(NamedRefSchema, to="actors"),
        load_default=list,
        metadata={"description": "A group's members, as the article names them."},
    )
    description = text_field(5000, allow_none=True, load_default=None)
    # Reference knowledge: values that do not come from the article, each marked as such.
    known_from = enum_field(
        KNOWN_FROM,
        load_default="article",
        metadata={
            "description": "`article`: the article names this actor; `reference`: reference "
            "knowledge, e.g. Estonia, known as one of the Baltic states the article names "
            "(its evidence is the span naming the group)."
        },
    )
    iso_code = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(r"^[A-Z]{2}$", error="Must be an ISO 3166-1 alpha-2 code."),
        metadata={
            "description": "Reference knowledge (ISO 3166-1 alpha-2, for countries): the "
            "article gives no codes.",
            "example": "GB",
        },
    )
    reference_aliases = fields.List(
        text_field(200),
        load_default=list,
        metadata={
            "description": "Reference knowledge: common names the article does not use, e.g. "
            "'Britain'. They answer in filters and URLs like aliases."
        },
    )
    reference_members = fields.List(
        Reference(NamedRefSchema, to="actors"),
        load_default=list,
        metadata={
            "description": "Reference knowledge: a group's members by common knowledge, not "
            "named in the article, e.g. the Baltic states' Estonia, Latvia and Lithuania."
        },
    )


class ActorQuerySchema(CollectionQuerySchema):
    source = source_filter()
    paragraph = paragraph_filter()
    as_of = as_of_filter()
    expand = expand_field(ActorSchema)
    kind = enum_filter(ACTOR_KINDS)
    iso_code = any_of(CountryCode(), "ISO 3166-1 alpha-2 code, in any case, e.g. 'gb'.")
    member = reference_filter(
        "actors", "Groups with this member (id, name or alias).", column="members"
    )
    known_from = enum_filter(KNOWN_FROM)
    role_of = reference_filter(
        "actors",
        "People holding a role in this actor (id, name or alias).",
        column="roles",
        key="of_id",
    )
    facet = facet_field("kind", "known_from")
    fields = fields_parameter(ActorSchema)
    sort = sort_field(
        "id",
        "name",
        "kind",
        "updated_at",
        "reported_on",
        description=REPORTED_SORT,
    )
