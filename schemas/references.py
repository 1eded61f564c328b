"""References between items: compact when dumped, an id or `{id}` when loaded, the full item
when the request expands them."""

from marshmallow import (
    INCLUDE,
    Schema,
    ValidationError,
    fields,
)

from schemas.context import expanded
from schemas.fields import slug_field


class RefSchema(Schema):
    """A compact reference; with `expand`, the full item, so more properties may appear."""

    class Meta:
        unknown = INCLUDE


class NamedRefSchema(RefSchema):
    """A compact reference to an actor or an event."""

    id = slug_field(required=True)
    name = fields.String(dump_only=True)
    url = fields.String(dump_only=True)


class SummarizedRefSchema(RefSchema):
    """A compact reference to a stance."""

    id = slug_field(required=True)
    summary = fields.String(dump_only=True)
    url = fields.String(dump_only=True)


class TitledRefSchema(RefSchema):
    """A compact reference to a proposal or a source."""

    id = slug_field(required=True)
    title = fields.String(dump_only=True)
    url = fields.String(dump_only=True)


class Reference(fields.Nested):
    """A reference to another item: dumped compact, loaded from an id or an object with one.

    `to` names the collection referred to (schemas/collections.py), whose item schema dumps
    the item in full instead when the request expands this field (by its name, or by
    `expand_as`).
    """

    def __init__(self, nested, *, to: str, expand_as: str | None = None, **kwargs):
        super().__init__(nested, **kwargs)
        self.to = to
        self.expand_as = expand_as

    @property
    def full(self) -> type[Schema]:
        """The schema of the item referred to, in full."""
        from schemas.collections import collection_named  # the table imports this module

        return collection_named(self.to).item

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        if nested_obj is None or (self.expand_as or self.name) not in expanded.get():
            return super()._serialize(nested_obj, attr, obj, **kwargs)
        token = expanded.set(frozenset())
        try:
            from schemas.collections import item_schema  # the table imports this module

            return item_schema(self.to).dump(nested_obj)
        finally:
            expanded.reset(token)

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if isinstance(value, str):
            value = {"id": value}
        if not isinstance(value, dict):
            raise ValidationError("Must be an id such as 'france', or an object with an 'id'.")
        unknown = sorted(str(key) for key in value if key != "id")
        if unknown:  # nothing but the id is read: a name sent along would be silently ignored
            raise ValidationError(
                {key: ["Unknown field: a reference is its id alone."] for key in unknown}
            )
        # A reference is whole even inside a PATCH: its id is always required.
        return super()._deserialize(value, attr, data, partial=False, **kwargs)["id"]


def expandable(schema_class: type[Schema]) -> list[str]:
    """The names `?expand=` takes for an item schema: its references, and the references inside
    its parts (an actor's roles expand as `roles`), in alphabetical order."""
    names = set()
    for name, field in schema_class().fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, Reference):
            names.add(inner.expand_as or name)
        elif isinstance(inner, fields.Nested):
            names.update(
                part.expand_as
                for part in inner.schema.fields.values()
                if isinstance(part, Reference) and part.expand_as
            )
    return sorted(names)
