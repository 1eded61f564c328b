"""RFC 9457 problem details, the body of every error."""

from marshmallow import (
    Schema,
    fields,
)


class ProblemSchema(Schema):
    """An RFC 9457 problem detail."""

    # `instance` is missing only when gunicorn refused the request line itself (414, 431).
    SOMETIMES_SENT = ("errors", "instance")

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Bad Request"})
    status = fields.Integer(metadata={"example": 400})
    detail = fields.String()
    instance = fields.String(
        metadata={"description": "The path asked for (absent when the request line was refused)."}
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field or parameter, for validation errors."},
    )
