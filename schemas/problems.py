"""RFC 9457 problem details, the body of every error, and validation messages as it holds them."""

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


def flatten(messages, prefix="") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into `{"field.sub": [messages]}`."""
    if isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        return {prefix or "_schema": messages}
    if isinstance(messages, str):
        return {prefix or "_schema": [messages]}
    items = messages.items() if isinstance(messages, dict) else enumerate(messages)
    flat = {}
    for key, value in items:
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def messages_in_words(errors: dict[str, list[str]]) -> str:
    """`{field: [messages]}` as one line: 'field: message message other: message'."""
    return " ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
