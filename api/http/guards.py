"""What every write must bring before its body is read: a well-formed Idempotency-Key if any,
a token with the right role, a JSON body of a size we take, and If-Match where it is due."""

import functools
import io
import re

from flask import current_app, request
from flask_smorest import abort

from api.http.auth import require_role
from api.http.conditional import require_if_match

JSON_TYPES = ("application/json",)
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, 1–200


def guarded(role: str, if_match: bool = False, body: bool = True):
    """Check, in this order and before the body is parsed: the Idempotency-Key (400), the
    token (401, 403), a chunked body's size (413), JSON (415) and If-Match's presence (428)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            check_idempotency_key()
            require_role(role)
            if body and request.content_length is None:
                buffer_chunked_body()
            if (
                body
                and request.mimetype not in JSON_TYPES
                and not request.mimetype.endswith("+json")
            ):
                abort(415, message="Send the body as JSON, with 'Content-Type: application/json'.")
            if if_match:
                require_if_match()
            return view(*args, **kwargs)

        return wrapper

    return decorate


def check_idempotency_key() -> None:
    """An Idempotency-Key, when sent, is 1–200 visible ASCII characters: anything else is a
    400 before anything is read or written."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY_PATTERN.match(key):
        message = "Use 1 to 200 visible ASCII characters (no spaces), e.g. a UUID."
        abort(
            400,
            message=f"Invalid Idempotency-Key header. {message}",
            errors={"Idempotency-Key": [message]},
        )


def buffer_chunked_body() -> None:
    """A chunked body has no length to refuse up front: read one byte past the limit, so that
    an oversized body is a 413 and never a silently truncated one, then hand the rest on."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    stream, raw = request.environ["wsgi.input"], b""
    try:
        while len(raw) <= limit and (chunk := stream.read(limit + 1 - len(raw))):
            raw += chunk
    except Exception as error:  # the server's own parse errors (bad chunk sizes) and resets
        abort(400, message=f"The chunked body could not be read: {error}.")
    if len(raw) > limit:
        abort(413, message=f"The body is over {limit} bytes.")
    request.environ["wsgi.input"] = io.BytesIO(raw)
    request.environ["CONTENT_LENGTH"] = str(len(raw))
