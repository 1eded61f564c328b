"""Every collection as a spreadsheet: `/v1/stances.csv` answers the rows of `/v1/stances`, with
the same parameters, as CSV (`Accept: text/csv` gets the same from the JSON paths); so do
search and the matrix."""

import functools
import itertools

from flask.views import MethodView
from marshmallow import validate

from api.http.arguments import query_arguments
from api.http.formats import Table, csv_lines, csv_response, csv_stream, linked, page_view
from api.http.routing import Blueprint
from api.resources.search import search_hits
from api.resources.stances import matrix_columns, matrix_rows, stance_matrix
from api.store.models import model_of
from api.store.pagination import every_item, list_items
from schemas.collections import COLLECTIONS
from schemas.fields import QueryInteger
from schemas.search import SearchPageSchema, SearchQuerySchema
from schemas.stances import StanceMatrixQuerySchema, StanceMatrixSchema

CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}}
STREAMED_PAGE = 200  # rows read per query while a whole collection streams


@functools.cache
def blueprint() -> Blueprint:
    """The spreadsheets of every collection in the table, of search and of the matrix."""
    blp = Blueprint("spreadsheets", __name__, description="Collections as CSV.")
    for kind in COLLECTIONS:
        add_spreadsheet(blp, kind)

    @blp.route("/v1/search.csv")
    class SearchSpreadsheet(MethodView):
        @query_arguments(blp, SearchQuerySchema)
        @blp.response(200, description="A header row, then one row per hit.")
        @blp.doc(responses={200: CSV}, tags=["search"])
        @page_view(SearchPageSchema)
        def get(self, args):
            """Search, as CSV"""
            return search_hits(args)

    @blp.route("/v1/stances/matrix.csv")
    class StanceMatrixSpreadsheet(MethodView):
        @query_arguments(blp, spreadsheet_query(StanceMatrixQuerySchema))
        @blp.response(200, description="A row per actor, a column per proposal.")
        @blp.doc(responses={200: CSV}, tags=["stances"])
        def get(self, args):
            """Show who stands where, as CSV"""
            if args.get("limit") is not None:
                body, headers = linked(stance_matrix(args, args["limit"]))
                return csv_response(matrix_rows(matrix_dump(body))), headers
            first = stance_matrix(args, STREAMED_PAGE, matrix_columns(args))  # a 400 comes now
            return csv_lines(matrix_pages(args, first))

    return blp


matrix_dump = StanceMatrixSchema().dump


def matrix_pages(args, first: dict):
    """The whole matrix as spreadsheet rows, a page of actors at a time, every page with the
    columns of the first (read already, so that a bad cursor is a 400, not a broken stream):
    the header first."""
    columns = [column["id"] for column in first["columns"]]
    body = matrix_dump(first)
    yield matrix_rows(body)
    while body["meta"]["next_cursor"] is not None:
        body = matrix_dump(
            stance_matrix({**args, "cursor": body["meta"]["next_cursor"]}, STREAMED_PAGE, columns)
        )
        yield matrix_rows(body)[1:]


def add_spreadsheet(blp: Blueprint, kind) -> None:
    """`/v1/<collection>.csv`: every row of the filtered collection, streamed; with `limit`,
    one page of it (and the `Link` to the next)."""
    table = Table(kind.page)
    dump = kind.page().dump
    query_schema = spreadsheet_query(kind.query)

    def pages(args):
        """Every item, dumped a batch at a time as the client reads on; the filters run once,
        now (so that a bad one is a 400, not a broken stream: `every_item`)."""
        batches = every_item(model_of(kind.name), args, kind.query, STREAMED_PAGE)
        first = next(batches, [])
        return (dump({"data": batch}) for batch in itertools.chain([first], batches))

    class Spreadsheet(MethodView):
        @query_arguments(blp, query_schema)
        @blp.response(200, description="A header row, then one row per item.")
        @blp.doc(responses={200: CSV}, tags=[kind.name], summary=f"List {kind.name} as CSV")
        def get(self, args):
            sheet = table.only(args.get("fields"))
            if args.get("limit") is None:
                return csv_stream(sheet, pages(args))
            body, headers = linked(list_items(model_of(kind.name), args, kind.query))
            return csv_response([sheet.header(), *sheet.rows(dump(body))]), headers

    blp.route(f"/v1/{kind.name}.csv", endpoint=f"{kind.name}_csv")(Spreadsheet)


def spreadsheet_query(query_schema):
    """A collection's parameters, but `limit` has no default: without it, every row."""
    limit = QueryInteger(
        validate=validate.Range(min=1, max=200),
        metadata={"description": "Rows per page, 1–200; without it, every row, streamed."},
    )
    name = query_schema.__name__.removesuffix("Schema") + "SpreadsheetSchema"
    return type(name, (query_schema,), {"limit": limit})
