"""Operations: liveness, readiness and the API's own documentation."""

from flask import Blueprint as FlaskBlueprint
from flask import current_app
from flask.views import MethodView
from flask_smorest import abort
from flask_swagger_ui import get_swaggerui_blueprint
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.errors import RETRY_AFTER_SECONDS
from api.extensions import db, openapi_of
from api.routing import Blueprint

blp = Blueprint("ops", __name__, description="Health checks for load balancers and orchestrators.")
docs = FlaskBlueprint("docs", __name__)
swagger_ui = get_swaggerui_blueprint(
    "/docs", "/openapi.json", config={"app_name": "Briefing API"}, blueprint_name="swagger_ui"
)


class StatusSchema(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, StatusSchema)
    def get(self):
        """Report that the process is up"""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, StatusSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """Report whether the database answers"""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            current_app.logger.exception("readiness check failed")
            db.session.rollback()
            abort(
                503,
                message="The database is unreachable; retry shortly.",
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            )
        return {"status": "ok"}


@docs.route("/openapi.yaml")
def openapi_yaml():
    """Serve the OpenAPI document as YAML."""
    return current_app.response_class(
        openapi_of(current_app).spec.to_yaml(), mimetype="application/yaml"
    )
