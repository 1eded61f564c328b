"""Stances: what the stances' routes add to their collection's (api/resources/items.py): the
matrix of who stands where."""

import binascii
import itertools
from collections import Counter

from flask.views import MethodView
from sqlalchemy import func, or_, select

from api.extensions import db
from api.http.arguments import query_arguments
from api.http.formats import csv_view, linked
from api.resources.items import blueprint_of
from api.store.chronology import SURENESS
from api.store.models import Actor, Evidence, Proposal, Source, Stance
from api.store.pagination import CURSOR_HELP, cursor_parts, encode_cursor, filters_given
from api.store.queries import apply_filters, bad_parameter, resolve
from api.store.version import remembered
from schemas.dates import first_and_last_day
from schemas.pages import Dumped
from schemas.stances import StanceMatrixQuerySchema, StanceMatrixSchema

blp = blueprint_of("stances")


def matrix_rows(body: dict) -> list[list]:
    """The matrix as a spreadsheet: one row per actor (its id and name), three columns per
    proposal (by title): the position, the certainty, and the other sources' positions."""
    header = ["actor", "actor_name"]
    for column in body["columns"]:
        title = column["title"]
        header += [f"{title}: position", f"{title}: certainty", f"{title}: other sources"]
    return [header] + [
        [row["id"], row["name"], *itertools.chain.from_iterable(map(cell_columns, cells))]
        for row, cells in zip(body["rows"], body["cells"], strict=True)
    ]


def cell_columns(cell: dict | None) -> list[str]:
    if cell is None:
        return ["", "", ""]
    return [cell["position"], cell["certainty"], ", ".join(cell.get("other_positions", []))]


@blp.route("/v1/stances/matrix")
class StanceMatrix(MethodView):
    @query_arguments(blp, StanceMatrixQuerySchema)
    @blp.response(200, StanceMatrixSchema)
    @csv_view(StanceMatrixSchema, matrix_rows)
    def get(self, args):
        """Show who stands where: actors × proposals, a page of actors at a time"""
        limit = min(args["limit"], MOST_ROWS_AS_OF) if args.get("as_of") else args["limit"]
        return linked(stance_matrix(args, limit))


# With `as_of`, each cell is chosen among every stance of its actor on its proposal then, not
# read from the current ones: a page holds fewer actors (`meta.limit` says how many).
MOST_ROWS_AS_OF = 10


def stance_matrix(args, limit: int, columns: list[str] | None = None) -> dict:
    """One page of the matrix: the first `limit` actors (rows, in id order, after `cursor`) with
    a stance the filters keep, × the proposals those rows take stances on (columns), or those
    `columns` (a spreadsheet keeps one set for every page). Only what the cells show is read,
    so a page costs what its rows hold."""
    chosen = current_stances(args)
    # The actors with a stance the filters keep, each found by one probe of its stances (at
    # 100,000 stances, the distinct actors of every stance kept `as_of` were 55,000 rows);
    # with `gaps`, every actor of the kinds asked, or named.
    with_stance = chosen.with_only_columns(Stance.id).where(Stance.actor_id == Actor.id).exists()
    kept = row_actors(args) if args.get("gaps") else [with_stance]
    if args.get("actor_kind"):
        kept.append(Actor.kind.in_(args["actor_kind"]))
    rows = select(Actor.id).where(*kept).order_by(Actor.id)
    count = select(func.count()).select_from(Actor).where(*kept)
    if args.get("cursor"):
        rows = rows.where(Actor.id > matrix_cursor(args["cursor"]))
    actor_ids = db.session.scalars(rows.limit(limit + 1)).all()
    more = len(actor_ids) > limit
    actor_ids = actor_ids[:limit]
    cells = chosen.where(Stance.actor_id.in_(actor_ids)).with_only_columns(
        Stance.id,
        Stance.actor_id,
        Stance.proposal_id,
        Stance.position,
        Stance.certainty,
        Stance.basis,
        Stance.asserted_by_id,
        Stance.reported_order,
    )
    # A cell is its actor's current stance on its proposal (api/store/chronology.py), whatever
    # the filters; the others (earlier, or less sure) are counted in it. Plain rows from the
    # covering index ix_stances_matrix, not the ORM's: a page of 20 actors is 4,000 stances at
    # 100,000.
    if args.get("as_of"):
        by_pair, others = current_then(cells, args["as_of"])
    else:
        found = db.session.connection().execute(cells).all()
        by_pair = {(row.actor_id, row.proposal_id): row for row in found}
        others = other_stances(actor_ids)
    taken = {proposal for _, proposal in by_pair}
    proposal_ids = columns if columns is not None else asked_columns(args, taken)
    actors = compact_references(Actor, actor_ids)
    proposals = compact_references(Proposal, proposal_ids)
    return {
        "rows": actors,
        "columns": proposals,
        "cells": [
            [
                matrix_cell(by_pair.get((actor, proposal)), others.get((actor, proposal), {}))
                for proposal in proposal_ids
            ]
            for actor in actor_ids
        ],
        "meta": {
            "total": remembered(  # per data version, as a collection's total
                (
                    "matrix",
                    filters_given(args, StanceMatrixQuerySchema, {}),
                    args.get("gaps"),
                    tuple(args.get("actor_kind") or ()),
                ),
                lambda: db.session.scalar(count),
            ),
            "limit": limit,
            "next_cursor": encode_cursor("actor", actor_ids[-1]) if more else None,
        },
    }


def row_actors(args) -> list:
    """With `gaps`: the actors `actor=` names (no condition when it names none)."""
    if not args.get("actor"):
        return []
    return [Actor.id.in_([resolve(Actor, "actor", value) for value in args["actor"]])]


def asked_columns(args, found: set[str]) -> list[str]:
    """The proposals `found` (those cells take stances on), and with `gaps`, those
    `proposal=` names, though no row takes a stance on them, in id order."""
    if args.get("gaps") and args.get("proposal"):
        found |= {resolve(Proposal, "proposal", value) for value in args["proposal"]}
    return sorted(found)


def current_stances(args):
    """The stances the matrix shows: each actor's current one on each proposal, if the filters
    keep it; with `as_of`, every stance the sources then back (`current_then` chooses)."""
    chosen = apply_filters(select(Stance), args, StanceMatrixQuerySchema)
    return chosen if args.get("as_of") else chosen.where(Stance.current)


def current_then(cells, as_of: str) -> tuple[dict, dict]:
    """Each (actor, proposal)'s stance as of a date — the one its sources published by then
    reported last, then the surest, then the first by id — and the positions of the others.
    The database orders the page's stances so; only a stance restated since (its latest
    source not yet published then) is asked which of its sources was then the latest."""
    last = first_and_last_day(as_of)[1].isoformat()
    published = or_(Source.published_on.is_(None), Source.published_on <= last)
    counted = set(db.session.scalars(select(Source.reported_order).where(published)))
    order = (Stance.actor_id, Stance.proposal_id, Stance.reported_order.desc(), SURENESS, Stance.id)
    rows = db.session.connection().execute(cells.order_by(*order)).all()
    restated = [row.id for row in rows if row.reported_order not in counted]
    latest = {row.id: row.reported_order for row in rows}
    if restated:
        latest.update(
            db.session.execute(
                select(Evidence.fact_id, func.max(Source.reported_order))
                .join(Source, Source.id == Evidence.source_id)
                .where(Evidence.fact_type == "stances", Evidence.fact_id.in_(restated), published)
                .group_by(Evidence.fact_id)
            ).all()
        )
    chosen, others = {}, {}
    for pair, group in itertools.groupby(rows, key=lambda row: (row.actor_id, row.proposal_id)):
        group = list(group)
        if any(row.reported_order not in counted for row in group):
            group.sort(key=lambda row: -latest[row.id])  # stable: sureness, id still order ties
        chosen[pair], others[pair] = group[0], Counter(row.position for row in group[1:])
    return chosen, others


def other_stances(actor_ids: list[str]) -> dict[tuple[str, str], dict[str, int]]:
    """How many of these actors' stances that are not current take each position, by (actor,
    proposal): counted by the database, once per actor and data version (at a million
    stances, an actor's earlier stances are 2,000 rows)."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for actor_id in actor_ids:
        counts = remembered(("matrix", "others", actor_id), lambda actor=actor_id: others_of(actor))
        for (proposal_id, position), count in counts.items():
            found.setdefault((actor_id, proposal_id), {})[position] = count
    return found


def others_of(actor_id: str) -> dict[tuple[str, str], int]:
    """How many of an actor's stances that are not current take each position on each
    proposal, by (proposal, position)."""
    position_count = select(Stance.proposal_id, Stance.position, func.count()).where(
        Stance.current.is_(False), Stance.actor_id == actor_id
    )
    rows = db.session.connection().execute(
        position_count.group_by(Stance.proposal_id, Stance.position)
    )
    return {(proposal_id, position): count for proposal_id, position, count in rows}


def matrix_columns(args) -> list[str]:
    """Every proposal the filtered matrix has a stance on (and with `gaps`, those asked for),
    in id order."""
    chosen = current_stances(args)
    proposals = chosen.with_only_columns(Stance.proposal_id).distinct().order_by(Stance.proposal_id)
    return asked_columns(args, set(db.session.scalars(proposals)))


def compact_references(model, ids: list[str]) -> list[dict]:
    """Compact references to these items, in the order given."""
    found = select(model.id, model.label_column()).where(model.id.in_(ids))
    labels = dict(db.session.execute(found).all())
    return [
        {
            "id": item_id,
            model.label_field: labels[item_id],
            "url": f"/v1/{model.collection}/{item_id}",
        }
        for item_id in ids
    ]


def matrix_cursor(cursor: str) -> str:
    """The actor a page of the matrix starts after, or a 400."""
    try:
        kind, actor_id = cursor_parts(cursor)
        if kind != "actor" or not isinstance(actor_id, str):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        bad_parameter("cursor", CURSOR_HELP)
    return actor_id


def matrix_cell(stance, others: dict[str, int]) -> dict | None:
    """A cell as MatrixCellSchema dumps it (`Dumped`: a page holds thousands): the current
    stance, and how many others there are (`others`: how many take each position), how many
    of them take another position, and which, with the path of the actor's stances on the
    proposal, oldest first."""
    if stance is None:
        return None
    differing = {
        position: count for position, count in others.items() if position != stance.position
    }
    cell = {
        "position": stance.position,
        "certainty": stance.certainty,
        "basis": stance.basis,
        "asserted_by": stance.asserted_by_id,
        "stance": f"/v1/stances/{stance.id}",
        "others": sum(others.values()),
        "disagreeing": sum(differing.values()),
    }
    if others:
        cell["other_positions"] = sorted(differing)
        cell["timeline"] = (
            f"/v1/actors/{stance.actor_id}/stances?proposal={stance.proposal_id}&sort=reported_on"
        )
    return Dumped(cell)
