"""What a response body looks like: JSON laid out for its reader, or CSV on request."""

import copy
import csv
import functools
import io
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request, stream_with_context
from flask.json.provider import DefaultJSONProvider
from marshmallow.fields import List
from werkzeug.wrappers import Request, Response

from api.http.workbooks import defused, flat_text, spreadsheet, workbook_response
from api.store.renders import dump_json
from schemas.context import chosen_fields
from schemas.queries import TRUTHY
from schemas.references import Reference

CSV_TYPE = "text/csv; charset=utf-8"


def wants_pretty(asked: Request) -> bool:
    """Indent for people: `?pretty=true`, or a curl user agent unless `?pretty=false`."""
    if b"pretty" in asked.query_string:  # parse the query only when it may say so
        return asked.args.get("pretty", "").lower() in TRUTHY
    return asked.headers.get("User-Agent", "").startswith(("curl/", "HTTPie/", "Wget/"))


def wants_csv(asked: Request) -> bool:
    """A spreadsheet's rows: for a `.csv` (or `.xlsx`) path, or an Accept header that prefers
    text/csv to JSON."""
    if asked.path.endswith((".csv", ".xlsx")):
        return True
    if "csv" not in asked.headers.get("Accept", ""):
        return False  # spare the parsing of Accept: only CSV can win over JSON here
    return asked.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


class BriefingJSONProvider(DefaultJSONProvider):
    """UTF-8 as is, keys in schema order, indented only for people; written by orjson, which
    costs a tenth of the standard library's on a page (bench/RESULTS.md)."""

    def dumps(self, obj, *, indent=None, **kwargs) -> str:
        return dump_json(obj, pretty=bool(indent)).decode()

    def response(self, *args, **kwargs):
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        obj = kwargs or (args[0] if len(args) == 1 else list(args) or None)
        pretty = has_request_context() and g.get("pretty", False)
        return self._app.response_class(dump_json(obj, pretty) + b"\n", mimetype=self.mimetype)


def cell(value) -> str:
    """Flatten a JSON value into one spreadsheet cell, defused against formula injection."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return defused(flat_text(value, defuse=True))


def csv_text(rows) -> str:
    """Rows as CSV, every cell quoted: a spreadsheet whose separator is `;` (or a tab) still
    reads each cell as one, so that no part of one can start a formula."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(
        [cell(value) for value in row] for row in rows
    )
    return buffer.getvalue()


BOM = "\ufeff"  # what Excel needs to read a CSV file as UTF-8


def csv_response(rows: list[list]):
    return spreadsheet(current_app.response_class(with_bom(csv_text(rows)), content_type=CSV_TYPE))


def with_bom(text: str) -> str:
    """The first text of a CSV answer, after a byte order mark if the request asked for one
    (`bom=true`, for Excel); without, UTF-8 as tools expect it."""
    return BOM + text if request.args.get("bom", "").lower() in TRUTHY else text


def csv_stream(table: "Table", bodies):
    """A CSV answer written as it goes: the header, then the rows of each dumped body (page)
    `bodies` yields, so that a spreadsheet of any size is one request and little memory."""

    def rows():
        yield [table.header()]
        for body in bodies:
            yield table.rows(body)

    return csv_lines(rows())


def csv_lines(batches):
    """A CSV answer written as it goes, a batch of rows at a time."""
    first = with_bom("")
    lines = ((first if index == 0 else "") + csv_text(rows) for index, rows in enumerate(batches))
    response = current_app.response_class(stream_with_context(lines), content_type=CSV_TYPE)
    return spreadsheet(response)


class Table:
    """A collection's items as spreadsheet rows: a column per field (a reference by its id),
    and beside each reference one more with the name or title of what it names."""

    def __init__(self, page_schema):
        self.schema = page_schema()
        self.columns = []  # (header, field, what of the value the cell shows)
        for name, field in self.schema.fields["data"].inner.schema.fields.items():
            if field.load_only:
                continue
            self.columns.append((name, name, as_is))
            inner = field.inner if isinstance(field, List) else field
            if isinstance(inner, Reference):
                self.columns.append((f"{name}_name", name, labels))

    def only(self, names) -> "Table":
        """The same table with the columns of these fields alone (and `id`, first)."""
        if not names:
            return self
        kept = {"id", *names}
        narrowed = copy.copy(self)
        narrowed.columns = [column for column in self.columns if column[1] in kept]
        return narrowed

    def header(self) -> list[str]:
        return [header for header, _, _ in self.columns]

    def rows(self, body: dict) -> list[list]:
        """The rows of a dumped page."""
        return [[show(item.get(name)) for _, name, show in self.columns] for item in body["data"]]


def as_is(value):
    return value


def labels(value):
    """What a reference (or a list of them) names: its name or title."""
    if isinstance(value, list):
        return [labels(item) for item in value]
    return value and (value.get("name") or value.get("title"))


def csv_view(schema_class, rows):
    """Let a view answer as CSV when the request asks for it (`wants_csv`): what the view
    returns is dumped by `schema_class`, and `rows(body)` lays it out as a table. Placed under
    `@blp.response`, which hands a ready response on as it is (with the view's headers, e.g.
    `Link`); so is one the view made itself (a stream)."""
    schema = schema_class()

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            result = view(*args, **kwargs)
            if not g.get("csv") or isinstance(result, Response):
                return result
            body, headers = result if isinstance(result, tuple) else (result, {})
            if request.path.endswith(".xlsx"):
                return workbook_response([rows(schema.dump(body))]), headers
            return csv_response(rows(schema.dump(body))), headers

        return wrapper

    return decorate


def page_view(page_schema):
    """A page of a collection, the view's `envelope` (api/store/pagination.py): its `links` and
    `Link` header from this request (`linked`), then as `csv_view` lays it out: a header row
    (see `Table`), then one row per item, of the columns `?fields=` chose."""
    table = Table(page_schema)

    def rows(body: dict) -> list[list]:
        sheet = table.only(chosen_fields.get())
        return [sheet.header(), *sheet.rows(body)]

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            return linked(view(*args, **kwargs))

        return csv_view(page_schema, rows)(wrapper)

    return decorate


def linked(body: dict) -> tuple[dict, dict]:
    """A page's envelope with its `links` (this page, the next) and `Link` header."""
    next_cursor = body["meta"]["next_cursor"]
    next_url = page_url(cursor=next_cursor) if next_cursor else None
    body["links"] = {"self": page_url(), "next": next_url}
    return body, {"Link": f'<{next_url}>; rel="next"'} if next_url else {}


def page_url(**changes) -> str:
    """This request's path and query, with `changes` to its parameters."""
    args = request.args.to_dict(flat=False)
    args.update({key: [value] for key, value in changes.items()})
    query = urlencode(args, doseq=True)
    return f"{request.path}?{query}" if query else request.path
