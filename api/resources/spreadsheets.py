"""Every collection as a spreadsheet: `/v1/stances.csv` answers the rows of `/v1/stances`, with
the same parameters, as CSV. (`Accept: text/csv` gets the same from the JSON paths.)"""

from flask.views import MethodView
from marshmallow import validate

from api.http.formats import Table, csv_response, csv_stream, csv_table, csv_view
from api.http.routing import Blueprint
from api.http.views import query_arguments
from api.resources.search import search_hits
from api.resources.stances import matrix_rows, stance_matrix
from api.store.models import ITEM_MODELS, Change
from api.store.pagination import list_items
from schemas.actors import ActorPageSchema, ActorQuerySchema
from schemas.changes import ChangePageSchema, ChangeQuerySchema
from schemas.commitments import CommitmentPageSchema, CommitmentQuerySchema
from schemas.events import EventPageSchema, EventQuerySchema
from schemas.fields import QueryInteger
from schemas.proposals import ProposalPageSchema, ProposalQuerySchema
from schemas.search import SearchPageSchema, SearchQuerySchema
from schemas.sources import SourcePageSchema, SourceQuerySchema
from schemas.stances import (
    StanceMatrixQuerySchema,
    StanceMatrixSchema,
    StancePageSchema,
    StanceQuerySchema,
)
from schemas.statements import StatementPageSchema, StatementQuerySchema

blp = Blueprint("spreadsheets", __name__, description="Collections as CSV.")

CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}}
COLLECTIONS = {
    "sources": (SourceQuerySchema, SourcePageSchema),
    "actors": (ActorQuerySchema, ActorPageSchema),
    "proposals": (ProposalQuerySchema, ProposalPageSchema),
    "stances": (StanceQuerySchema, StancePageSchema),
    "commitments": (CommitmentQuerySchema, CommitmentPageSchema),
    "events": (EventQuerySchema, EventPageSchema),
    "statements": (StatementQuerySchema, StatementPageSchema),
    "changes": (ChangeQuerySchema, ChangePageSchema),
}
MODELS = {**ITEM_MODELS, "changes": Change}


STREAMED_PAGE = 200  # rows read per query while a whole collection streams


def add_spreadsheet(collection: str, query_schema, page_schema) -> None:
    """`/v1/<collection>.csv`: every row of the filtered collection, streamed; with `limit`,
    one page of it (and the `Link` to the next)."""
    model = MODELS[collection]
    table = Table(page_schema)
    dump = page_schema().dump

    def page(args, cursor=None) -> dict:
        body, _ = list_items(
            model, {**args, "limit": STREAMED_PAGE, "cursor": cursor}, query_schema
        )
        return body

    def pages(args, first: dict):
        """The dumped pages, the first read already (so that a bad filter is a 400, not a
        broken stream), the rest as the client reads on."""
        body = first
        while True:
            yield dump(body)
            if body["meta"]["next_cursor"] is None:
                return
            body = page(args, body["meta"]["next_cursor"])

    class Spreadsheet(MethodView):
        @query_arguments(blp, spreadsheet_query(query_schema))
        @blp.response(200, description="A header row, then one row per item.")
        @blp.doc(responses={200: CSV}, tags=[collection], summary=f"List {collection} as CSV")
        def get(self, args):
            sheet = table.only(args.get("fields"))
            if args.get("limit") is None:
                return csv_stream(sheet, pages(args, first=page(args)))
            body, headers = list_items(model, args, query_schema)
            return csv_response([sheet.header(), *sheet.rows(dump(body))]), headers

    blp.route(f"/v1/{collection}.csv", endpoint=f"{collection}_csv")(Spreadsheet)


def spreadsheet_query(query_schema):
    """A collection's parameters, but `limit` has no default: without it, every row."""
    limit = QueryInteger(
        validate=validate.Range(min=1, max=200),
        metadata={"description": "Rows per page, 1–200; without it, every row, streamed."},
    )
    name = query_schema.__name__.removesuffix("Schema") + "SpreadsheetSchema"
    return type(name, (query_schema,), {"limit": limit})


for collection, (query_schema, page_schema) in COLLECTIONS.items():
    add_spreadsheet(collection, query_schema, page_schema)


@blp.route("/v1/search.csv")
class SearchSpreadsheet(MethodView):
    @query_arguments(blp, SearchQuerySchema)
    @blp.response(200, description="A header row, then one row per hit.")
    @blp.doc(responses={200: CSV}, tags=["search"])
    @csv_table(SearchPageSchema)
    def get(self, args):
        """Search, as CSV"""
        return search_hits(args)


@blp.route("/v1/stances/matrix.csv")
class StanceMatrixSpreadsheet(MethodView):
    @query_arguments(blp, StanceMatrixQuerySchema)
    @blp.response(200, description="A row per actor, a column per proposal.")
    @blp.doc(responses={200: CSV}, tags=["stances"])
    @csv_view(StanceMatrixSchema, matrix_rows)
    def get(self, args):
        """Show who stands where, as CSV"""
        return stance_matrix(args)
