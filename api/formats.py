"""What a response body looks like: JSON laid out for its reader, or CSV on request."""

import csv
import functools
import io

from flask import current_app, has_request_context, request
from flask.json.provider import DefaultJSONProvider

CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def wants_pretty() -> bool:
    """Indent for people: `?pretty=true`, or a curl user agent unless `?pretty=false`."""
    if b"pretty" in request.query_string:  # parse the query only when it may say so
        return request.args.get("pretty", "").lower() in ("true", "1", "yes", "on")
    return request.headers.get("User-Agent", "").startswith(("curl/", "HTTPie/", "Wget/"))


def wants_csv() -> bool:
    """CSV for a `.csv` path, or an Accept header that prefers text/csv to JSON."""
    if request.path.endswith(".csv"):
        return True
    if "csv" not in request.headers.get("Accept", ""):
        return False  # spare the parsing of Accept: only CSV can win over JSON here
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


class BriefingJSONProvider(DefaultJSONProvider):
    """UTF-8 as is, keys in schema order, indented only for people."""

    ensure_ascii = False
    sort_keys = False

    def response(self, *args, **kwargs):
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        obj = kwargs or (args[0] if len(args) == 1 else list(args) or None)
        pretty = has_request_context() and wants_pretty()
        layout = {"indent": 2} if pretty else {"separators": (",", ":")}
        return self._app.response_class(f"{self.dumps(obj, **layout)}\n", mimetype=self.mimetype)


def cell(value) -> str:
    """Flatten a JSON value into one spreadsheet cell, defused against formula injection."""
    if value is None:
        return ""
    if isinstance(value, list):
        text = "; ".join(cell(item) for item in value)
    elif isinstance(value, dict):
        # A reference becomes its id, an evidence span its quote, anything else its values.
        if "id" in value:
            text = str(value["id"])
        elif "quote" in value:
            text = str(value["quote"])
        else:
            text = " ".join(cell(item) for item in value.values() if item is not None)
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, int | float):
        return str(value)
    else:
        text = str(value)
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def csv_response(rows: list[list]):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[cell(value) for value in row] for row in rows])
    return current_app.response_class(buffer.getvalue(), content_type="text/csv; charset=utf-8")


def csv_view(schema_class, rows):
    """Let a view answer as CSV when the request asks for it (`wants_csv`): what the view
    returns is dumped by `schema_class`, and `rows(body)` lays it out as a table. Placed under
    `@blp.response`, which hands a ready response on as it is (with the view's headers, e.g.
    `Link`)."""
    schema = schema_class()

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            result = view(*args, **kwargs)
            if not wants_csv():
                return result
            body, headers = result if isinstance(result, tuple) else (result, {})
            return csv_response(rows(schema.dump(body))), headers

        return wrapper

    return decorate


def csv_table(page_schema):
    """`csv_view` for a collection: a header row of the item's fields, then one row per item."""
    item_fields = page_schema().fields["data"].inner.schema.fields
    columns = [name for name, field in item_fields.items() if not field.load_only]

    def rows(body: dict) -> list[list]:
        return [columns, *([item.get(name) for name in columns] for item in body["data"])]

    return csv_view(page_schema, rows)
