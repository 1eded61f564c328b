"""Idempotency keys: a retried POST is answered with its first answer, never written twice."""

import hashlib
import json
from datetime import timedelta

from flask import g, request
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError

from api.extensions import db
from api.http.conditional import tagged
from api.store.models import IdempotentResponse, utcnow

IDEMPOTENCY_WINDOW = timedelta(hours=24)


def request_fingerprint() -> str:
    """What makes two requests the same: method, path and query, and the body's JSON (key
    order and spacing aside)."""
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    seen = f"{request.method} {request.full_path.rstrip('?')}\n{canonical}"
    return hashlib.sha256(seen.encode("utf-8", "surrogatepass")).hexdigest()


def stored_answer(key: str):
    """The answer stored for this token's key within the window, replayed if this request is
    the one it was made for; a 422 if the key came with another request."""
    found = db.session.get(IdempotentResponse, (g.token_name, key))
    if found is None or found.created_at < utcnow() - IDEMPOTENCY_WINDOW:
        return None
    if found.fingerprint != request_fingerprint():
        abort(
            422,
            message=f"The Idempotency-Key '{key}' was already used for another request "
            f"(POST {found.path}, other body) in the last 24 hours: send a new key for a new "
            "request. Nothing was written.",
            errors={"Idempotency-Key": ["Already used for another request."]},
        )
    headers = {"Location": found.body["url"], "Idempotent-Replayed": "true"}
    return tagged(found.body, 1, found.status, headers)  # a new item is at version 1


def replay_or_claim():
    """For a POST with an Idempotency-Key: the stored answer to replay for it, or None once the
    key is claimed for this request; a concurrent request with the same key waits on the claim
    (the database's lock on its row), then replays this one's answer. None without a key."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return None
    replay = stored_answer(key)
    if replay is not None:
        return replay
    try:
        claim_key(key)
    except IntegrityError:  # another request holds this key, and has now committed
        db.session.rollback()
        return stored_answer(key) or abort(
            409,
            message=f"A request with the Idempotency-Key '{key}' is still being processed: "
            "retry in a moment to get its answer.",
        )
    return None


def claim_key(key: str) -> None:
    db.session.execute(
        db.delete(IdempotentResponse).where(
            IdempotentResponse.created_at < utcnow() - IDEMPOTENCY_WINDOW
        )
    )
    db.session.add(
        IdempotentResponse(
            token_name=g.token_name,
            key=key,
            fingerprint=request_fingerprint(),
            path=request.path,
            status=0,
            body={},
        )
    )
    db.session.flush()


def keep_answer(status: int, body: dict) -> None:
    """With an Idempotency-Key, store the answer with its claim, in the write's own
    transaction."""
    key = request.headers.get("Idempotency-Key")
    if key:
        claim = db.session.get(IdempotentResponse, (g.token_name, key))
        claim.status, claim.body = status, body
