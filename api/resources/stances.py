"""Stances: one actor's position on one proposal, and the matrix of them all."""

from flask.views import MethodView
from sqlalchemy import select

from api.extensions import db
from api.http.formats import csv_table, csv_view
from api.http.guards import guarded
from api.http.headers import with_item_etag
from api.http.routing import Blueprint
from api.http.views import query_arguments
from api.http.write_docs import documents_change, documents_creation, documents_deletion
from api.store.models import Stance
from api.store.pagination import list_items
from api.store.queries import apply_filters, load_options
from api.store.renders import read_item
from api.store.writes import create, delete, update
from schemas.stances import (
    CERTAINTIES,
    StanceInputSchema,
    StanceItemQuerySchema,
    StanceMatrixQuerySchema,
    StanceMatrixSchema,
    StancePageSchema,
    StancePatchSchema,
    StanceQuerySchema,
    StanceSchema,
)

blp = Blueprint("stances", __name__, url_prefix="/v1/stances", description="Who stands where.")


@blp.route("")
class Stances(MethodView):
    @query_arguments(blp, StanceQuerySchema)
    @blp.response(200, StancePageSchema)
    @csv_table(StancePageSchema)
    def get(self, args):
        """List stances"""
        return list_items(Stance, args, StanceQuerySchema)

    @guarded("editor")
    @blp.arguments(StanceInputSchema)
    @blp.response(201, StanceSchema)
    @documents_creation(blp)
    @with_item_etag(StanceSchema)
    def post(self, data):
        """Create a stance"""
        return create(Stance, StanceSchema, data)


@blp.route("/<stance_id:stance_id>")
class StanceById(MethodView):
    @query_arguments(blp, StanceItemQuerySchema)
    @blp.response(200, StanceSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @with_item_etag(StanceSchema)
    def get(self, args, stance_id):
        """Get a stance by id"""
        return read_item(Stance, stance_id)

    @guarded("editor", if_match=True)
    @blp.arguments(StancePatchSchema)
    @blp.response(200, StanceSchema)
    @documents_change(blp)
    @with_item_etag(StanceSchema)
    def patch(self, data, stance_id):
        """Change a stance; send If-Match"""
        return update(Stance, StanceSchema, stance_id, data)

    @guarded("editor", if_match=True, body=False)
    @blp.response(204)
    @documents_deletion(blp)
    def delete(self, stance_id):
        """Delete a stance nothing refers to; send If-Match"""
        delete(Stance, StanceSchema, stance_id)


def matrix_rows(body: dict) -> list[list]:
    """The matrix as a spreadsheet: one row per actor, one column per proposal."""
    header = ["actor", *(column["id"] for column in body["columns"])]
    return [header] + [
        [row["id"], *(describe_cell(cell) for cell in cells)]
        for row, cells in zip(body["rows"], body["cells"], strict=True)
    ]


def describe_cell(cell: dict | None) -> str:
    if cell is None:
        return ""
    certainty = "" if cell["certainty"] == "stated" else f" ({cell['certainty']})"
    return cell["position"] + certainty


@blp.route("/matrix")
class StanceMatrix(MethodView):
    @query_arguments(blp, StanceMatrixQuerySchema)
    @blp.response(200, StanceMatrixSchema)
    @csv_view(StanceMatrixSchema, matrix_rows)
    def get(self, args):
        """Show who stands where: actors × proposals"""
        return stance_matrix(args)


def stance_matrix(args) -> dict:
    """Actors (rows) × proposals (columns), narrowed to an actor or a proposal."""
    statement = select(Stance).options(*load_options(Stance))
    statement = apply_filters(statement, args, StanceMatrixQuerySchema)
    stances = db.session.scalars(statement).all()
    actors = sorted({stance.actor for stance in stances}, key=lambda actor: actor.id)
    proposals = sorted({stance.proposal for stance in stances}, key=lambda proposal: proposal.id)
    # Where an actor has two stances on a proposal (a stated opposition and a likely block),
    # the cell shows the surest; the stances collection has both.
    by_pair = {}
    for stance in sorted(stances, key=lambda stance: CERTAINTIES.index(stance.certainty)):
        by_pair.setdefault((stance.actor_id, stance.proposal_id), stance)
    cells = [
        [matrix_cell(by_pair.get((actor.id, proposal.id))) for proposal in proposals]
        for actor in actors
    ]
    return {"rows": actors, "columns": proposals, "cells": cells}


def matrix_cell(stance: Stance | None) -> dict | None:
    if stance is None:
        return None
    return {
        "position": stance.position,
        "certainty": stance.certainty,
        "basis": stance.basis,
        "asserted_by": stance.asserted_by_id,
        "stance": stance.url,
    }
