"""A collection the service does not have, added the way the table says (schemas/collections.py):
a model that says which collection it stores, its schemas, one row of the table, and nothing
else. Run by tests/test_registry.py in a process of its own (the new model and row are not the
suite's), on a temporary SQLite database; prints what the service then answers, as JSON."""

import json
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from api.store.models import Attributed, Base
from schemas import collections
from schemas.claims import ClaimQuerySchema, ClaimSchema
from schemas.fields import text_field
from schemas.queries import fields_parameter, sort_field


class Note(Attributed, Base):
    __tablename__ = "notes"
    collection = "notes"
    label_field = "text"

    text: Mapped[str] = mapped_column(Text)


class NoteSchema(ClaimSchema):
    text = text_field(2000, required=True)


class NoteQuerySchema(ClaimQuerySchema):
    fields = fields_parameter(NoteSchema)
    sort = sort_field("id", "updated_at")


NOTES = collections.Collection(
    "notes", "Editors' notes on what the articles say.", NoteQuerySchema, NoteSchema
)
collections.COLLECTIONS.append(NOTES)

SEED = "nato-divisions-ukraine"
ARTICLE = "Ruritania\n\nThe Ruritanian parliament debated its contribution to the coalition.\n"
BUNDLE = """
source:
  id: ruritania-debate
  title: Ruritania debates
  text_file: ruritania.txt
notes:
  - id: parliament-debated
    text: The parliament debated its contribution.
    basis: article
    evidence:
      - quote: "The Ruritanian parliament debated its contribution to the coalition."
"""


def main() -> None:
    import flask_migrate

    from api import create_app
    from api.extensions import db
    from api.http.auth import create_token
    from api.loading.bundles import import_bundle, seed
    from api.loading.files import bundle_paths

    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/new.db", "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        flask_migrate.upgrade()
        Note.__table__.create(db.engine)  # what its migration would add
        seed(bundle_paths())
        token = create_token(f"notes-{uuid.uuid4().hex[:6]}", "editor")
        db.session.commit()
    client = app.test_client()
    quote = "others, like Italy, have outright rejected the idea"
    created = client.post(
        "/v1/notes",
        json={
            "text": "Italy rejects troops.",
            "basis": "article",
            "evidence": [{"source": SEED, "quote": quote}],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    (folder / "ruritania.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "ruritania.yaml").write_text(BUNDLE, encoding="utf-8")
    with app.app_context():
        report = import_bundle(folder / "ruritania.yaml")
    spec = client.get("/openapi.json").json
    answers = {
        "created": [created.status_code, created.headers.get("Location")],
        "listed": [note["id"] for note in client.get("/v1/notes").json["data"]],
        "item": client.get("/v1/notes/parliament-debated").json.get("text"),
        "from_the_bundle": client.get("/v1/notes?source=ruritania-debate").json["meta"]["total"],
        "spreadsheet": client.get("/v1/notes.csv").get_data(as_text=True).splitlines()[0],
        "search": [
            hit["id"] for hit in client.get("/v1/search?q=parliament&type=notes").json["data"]
        ],
        "imported": report.added,
        "index": client.get("/v1").json["collections"].get("notes"),
        "paths": sorted(path for path in spec["paths"] if "notes" in path),
        "schema": "Note" in spec["components"]["schemas"],
        "feed": client.get("/v1/changes?resource=notes").json["meta"]["total"],
    }
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
