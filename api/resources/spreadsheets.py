"""Every collection as a spreadsheet: `/v1/stances.csv` answers the rows of `/v1/stances`, with
the same parameters, as CSV (`Accept: text/csv` gets the same from the JSON paths), and
`/v1/stances.xlsx` as an Excel workbook; so do search and the matrix."""

import functools
import itertools

from flask.views import MethodView
from marshmallow import validate

from api.http.arguments import query_arguments
from api.http.formats import Table, csv_lines, csv_response, linked, page_view
from api.http.routing import Blueprint
from api.http.workbooks import XLSX_TYPE, workbook_response
from api.resources.search import search_hits
from api.resources.stances import matrix_columns, matrix_rows, stance_matrix
from api.store.models import model_of
from api.store.pagination import every_item, list_items
from schemas.collections import COLLECTIONS
from schemas.fields import QueryInteger
from schemas.queries import flag
from schemas.search import SearchPageSchema, SearchQuerySchema
from schemas.stances import StanceMatrixQuerySchema, StanceMatrixSchema

STREAMED_PAGE = 200  # rows read per query while a whole collection streams


@functools.cache
def blueprint() -> Blueprint:
    """The spreadsheets of every collection in the table, of search and of the matrix."""
    blp = Blueprint("spreadsheets", __name__, description="Collections as CSV.")
    for kind in COLLECTIONS:
        add_spreadsheet(blp, kind)

    for extension in EXTENSIONS:
        add_search_sheet(blp, extension)
        add_matrix_sheet(blp, extension)
    return blp


EXTENSIONS = ("csv", "xlsx")
# The rows a page asked with `limit` holds at most: a workbook's rows cost five times a CSV's
# (100 rows of .xlsx, 17 ms of CPU at 100,000 stances; 200 of CSV, 9 ms).
PAGE_ROWS = {"csv": 200, "xlsx": 100}
FILE_TYPES = {
    "csv": {"text/csv": {"schema": {"type": "string"}}},
    "xlsx": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}


def answered(extension: str, batches, streamed: bool = False):
    """Batches of rows (the header first) as the file asked for: CSV (streamed, or whole) or
    an .xlsx workbook."""
    if extension == "xlsx":
        return workbook_response(batches)
    if streamed:
        return csv_lines(batches)
    return csv_response([row for rows in batches for row in rows])


def add_search_sheet(blp: Blueprint, extension: str) -> None:
    class SearchSpreadsheet(MethodView):
        @query_arguments(blp, spreadsheet_query(SearchQuerySchema, extension, limit=False))
        @blp.response(200, description="A header row, then one row per hit.")
        @blp.doc(responses={200: {"content": FILE_TYPES[extension]}}, tags=["search"])
        @page_view(SearchPageSchema)
        def get(self, args):
            return search_hits(args)

    SearchSpreadsheet.get.__doc__ = f"Search, as {extension.upper()}"
    SearchSpreadsheet.__name__ = f"SearchSpreadsheet{extension.title()}"
    blp.route(f"/v1/search.{extension}", endpoint=f"search_{extension}")(SearchSpreadsheet)


def add_matrix_sheet(blp: Blueprint, extension: str) -> None:
    class StanceMatrixSpreadsheet(MethodView):
        @query_arguments(blp, spreadsheet_query(StanceMatrixQuerySchema, extension))
        @blp.response(200, description="A row per actor, three columns per proposal.")
        @blp.doc(responses={200: {"content": FILE_TYPES[extension]}}, tags=["stances"])
        def get(self, args):
            if args.get("limit") is not None:
                body, headers = linked(stance_matrix(args, args["limit"]))
                return answered(extension, [matrix_rows(matrix_dump(body))]), headers
            first = stance_matrix(args, STREAMED_PAGE, matrix_columns(args))  # a 400 comes now
            return answered(extension, matrix_pages(args, first), streamed=True)

    StanceMatrixSpreadsheet.get.__doc__ = f"Show who stands where, as {extension.upper()}"
    StanceMatrixSpreadsheet.__name__ = f"StanceMatrixSpreadsheet{extension.title()}"
    route = f"/v1/stances/matrix.{extension}"
    blp.route(route, endpoint=f"stance_matrix_{extension}")(StanceMatrixSpreadsheet)


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
    """`/v1/<collection>.csv` and `.xlsx`: every row of the filtered collection (CSV
    streamed); with `limit`, one page of it (and the `Link` to the next)."""
    table = Table(kind.page)
    dump = kind.page().dump

    def pages(args):
        """Every item, dumped a batch at a time as the client reads on; the filters run once,
        now (so that a bad one is a 400, not a broken stream: `every_item`)."""
        batches = every_item(model_of(kind.name), args, kind.query, STREAMED_PAGE)
        first = next(batches, [])
        return (dump({"data": batch}) for batch in itertools.chain([first], batches))

    for extension in EXTENSIONS:

        class Spreadsheet(MethodView):
            @query_arguments(blp, spreadsheet_query(kind.query, extension))
            @blp.response(200, description="A header row, then one row per item.")
            @blp.doc(
                responses={200: {"content": FILE_TYPES[extension]}},
                tags=[kind.name],
                summary=f"List {kind.name} as {extension.upper()}",
            )
            def get(self, args, extension=extension):
                sheet = table.only(args.get("fields"))
                if args.get("limit") is None:
                    rows = (sheet.rows(body) for body in pages(args))
                    batches = itertools.chain([[sheet.header()]], rows)
                    return answered(extension, batches, streamed=True)
                body, headers = linked(list_items(model_of(kind.name), args, kind.query))
                return answered(extension, [[sheet.header(), *sheet.rows(dump(body))]]), headers

        Spreadsheet.__name__ = f"Spreadsheet{extension.title()}"
        route = f"/v1/{kind.name}.{extension}"
        blp.route(route, endpoint=f"{kind.name}_{extension}")(Spreadsheet)


def spreadsheet_query(query_schema, extension: str, limit: bool = True):
    """A collection's parameters, but `limit` has no default (without it, every row); and for
    CSV, `bom`."""
    added = {}
    if limit:
        most = PAGE_ROWS[extension]
        added["limit"] = QueryInteger(
            validate=validate.Range(min=1, max=most),
            metadata={"description": f"Rows per page, 1–{most}; without it, every row."},
        )
    if extension == "csv":
        added["bom"] = flag(
            "Start the file with a byte order mark, which Excel needs to read UTF-8 (curly "
            "quotes, accents) right; without it, plain UTF-8, as tools expect.",
            load_default=False,
        )
    name = query_schema.__name__.removesuffix("Schema") + f"{extension.title()}SheetSchema"
    return type(name, (query_schema,), added)
