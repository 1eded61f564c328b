"""The ceiling: a Flask view returning constant JSON, served by the same gunicorn config."""

from flask import Flask

BODY = {"data": [{"id": f"stance-{n:07d}", "position": "opposes"} for n in range(50)]}


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/constant")
    def constant():
        return BODY

    return app
