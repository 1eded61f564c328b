"""Extension objects. Those that hold nothing of one app's are shared and initialised by the
factory; the rate limiter (whose counters and settings belong to one app) is made for each app,
and so is the Api, whose spec describes one app (api/http/openapi.py)."""

from flask import current_app, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from api.store.database import SAFE_METHODS
from api.store.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cors = CORS()


def request_limit() -> str:
    """Reads are generous, writes tighter; each has its own counter per client."""
    safe = request.method in SAFE_METHODS
    return current_app.config["READ_LIMIT" if safe else "WRITE_LIMIT"]


def make_limiter(app) -> Limiter:
    """The app's rate limiter, kept in `app.extensions["rate_limiter"]`."""
    limiter = Limiter(get_remote_address, application_limits=[request_limit])
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    return limiter
