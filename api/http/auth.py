"""Bearer tokens for editors, with a role each, stored only as their SHA-256.

A token is looked up by its hash (`WHERE token_hash = …`). That comparison is not constant
time, and need not be: what its timing could leak is how much of the *hash* an attacker has
guessed, and a hash prefix does not lead back to a token (random, 256 bits). The environment's
admin token, compared in Python, goes through `hmac.compare_digest` all the same."""

import hashlib
import hmac
import secrets

from flask import current_app, g, request
from flask_smorest import abort
from sqlalchemy import select

from api.extensions import db
from api.store.models import ApiToken

ROLES = ("editor", "admin")
ENVIRONMENT_ADMIN = "admin (API_ADMIN_TOKEN)"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def reserved(name: str) -> bool:
    """Whether a name is the server's own writers' (the loaders `cli:…`, the environment's
    admin): a token so named would pass its edits off as theirs, which an import overwrites."""
    return name.strip().casefold().startswith("cli:") or name.strip() == ENVIRONMENT_ADMIN


def create_token(name: str, role: str) -> str:
    """Store a new token's hash and return the token, which is never stored or shown again."""
    if reserved(name):
        raise ValueError(f"'{name}' is reserved for the server's own writers: pick another name.")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, role=role, token_hash=hash_token(token)))
    return token


def unauthorized(message: str, error: str | None = None):
    challenge = 'Bearer realm="briefing-api"' + (f', error="{error}"' if error else "")
    abort(401, message=message, headers={"WWW-Authenticate": challenge})


def authenticate() -> tuple[str, str]:
    """The (name, role) of the request's bearer token, or abort with 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        unauthorized("Writing needs a token: send 'Authorization: Bearer <token>'.")
    digest = hash_token(token)
    admin_token = current_app.config.get("API_ADMIN_TOKEN")
    if admin_token and hmac.compare_digest(digest, hash_token(admin_token)):
        return ENVIRONMENT_ADMIN, "admin"
    found = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    )
    if found is None:
        unauthorized(
            "This token is unknown or revoked; ask an admin for a new one.", "invalid_token"
        )
    if reserved(found.name):  # made before such names were refused
        unauthorized(
            f"This token's name '{found.name}' is reserved for the server's own writers; ask "
            "an admin for a token with another name.",
            "invalid_token",
        )
    return found.name, found.role


def require_role(role: str) -> None:
    """Let the request write as `role` (admin can do what editor can), or abort 401/403."""
    name, token_role = authenticate()
    if role == "admin" and token_role != "admin":
        abort(403, message=f"The token '{name}' is an {token_role} token; this needs an admin.")
    g.token_name = name
