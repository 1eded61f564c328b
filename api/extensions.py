"""Extension objects, created unbound and initialised by the app factory."""

from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from api.errors import ProblemApi
from api.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cors = CORS()
api = ProblemApi()
