"""Stances: what the stances' routes add to their collection's (api/resources/items.py): the
matrix of who stands where."""

from flask.views import MethodView
from sqlalchemy import select

from api.extensions import db
from api.http.arguments import query_arguments
from api.http.formats import csv_view
from api.resources.items import blueprint_of
from api.store.models import Stance
from api.store.queries import apply_filters, load_options
from schemas.stances import (
    CERTAINTIES,
    StanceMatrixQuerySchema,
    StanceMatrixSchema,
)

blp = blueprint_of("stances")


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
