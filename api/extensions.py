"""Extension objects, created unbound and initialised by the app factory."""

from flask import current_app, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from api.database import SAFE_METHODS
from api.errors import ProblemApi
from api.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cors = CORS()
api = ProblemApi()


def request_limit() -> str:
    """Reads are generous, writes tighter; each has its own counter per client."""
    safe = request.method in SAFE_METHODS
    return current_app.config["READ_LIMIT" if safe else "WRITE_LIMIT"]


limiter = Limiter(get_remote_address, application_limits=[request_limit])
