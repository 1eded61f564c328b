"""Operations: liveness, readiness and the API's own documentation."""

from flask import Blueprint as FlaskBlueprint
from flask import current_app
from flask.views import MethodView
from flask_smorest import abort
from flask_swagger_ui import get_swaggerui_blueprint
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.extensions import db
from api.http.errors import RETRY_AFTER_SECONDS
from api.http.openapi import openapi_of
from api.http.routing import Blueprint
from schemas.collections import COLLECTIONS

blp = Blueprint("ops", __name__, description="Health checks for load balancers and orchestrators.")
docs = FlaskBlueprint("docs", __name__)
swagger_ui = get_swaggerui_blueprint(
    "/docs", "/openapi.json", config={"app_name": "Briefing API"}, blueprint_name="swagger_ui"
)


class StatusSchema(Schema):
    status = fields.String(metadata={"example": "ok"})


# Where to start: every collection (schemas/collections.py) and view, one line each.
VIEWS = {
    "/v1/briefing": "Everything at once, for a page that renders it in one call.",
    "/v1/stances/matrix": "Who stands where: actors × proposals.",
    "/v1/disagreements": "Where sources disagree: positions, figures.",
    "/v1/search?q=": "Full-text search over every fact and source, best match first.",
}


class LinkSchema(Schema):
    url = fields.String(required=True, metadata={"example": "/v1/stances"})
    description = fields.String(required=True)


class IndexSchema(Schema):
    """Where to start."""

    name = fields.String(required=True, metadata={"example": "Briefing API"})
    description = fields.String(required=True)
    collections = fields.Dict(keys=fields.String(), values=fields.Nested(LinkSchema))
    views = fields.List(fields.Nested(LinkSchema))
    docs = fields.String(metadata={"description": "Interactive documentation."})
    openapi = fields.String(metadata={"description": "The OpenAPI document (also .yaml)."})


@blp.route("/")
class Index(MethodView):
    @blp.response(200, IndexSchema)
    def get(self):
        """Show where to start: every collection and view"""
        return index()


@blp.route("/v1")
class IndexV1(MethodView):
    @blp.response(200, IndexSchema)
    def get(self):
        """Show where to start in version 1"""
        return index()


def index() -> dict:
    return {
        "name": current_app.config["API_TITLE"],
        "description": current_app.config["API_SPEC_OPTIONS"]["info"]["description"],
        "collections": {
            kind.name: {"url": f"/v1/{kind.name}", "description": kind.description}
            for kind in COLLECTIONS
        },
        "views": [{"url": url, "description": line} for url, line in VIEWS.items()],
        "docs": "/docs",
        "openapi": "/openapi.json",
    }


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
