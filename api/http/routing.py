"""The project's Blueprint (flask-smorest's, with the strict parser) and its URL converters."""

import re

import flask_smorest
from flask.views import MethodView
from werkzeug.routing import BaseConverter

from api.http.parser import StrictParser

# A list narrowed by `fields=` answers at its own path, `/v1/stances.sparse`: its own operation,
# so that a client generated with its tool's defaults types the full list's items exactly.
SPARSE = ".sparse"
SPREADSHEETS = (".csv", ".xlsx")  # the paths that answer a spreadsheet file


class Blueprint(flask_smorest.Blueprint):
    """Every resource's blueprint: query strings and bodies parsed by `StrictParser`; a JSON
    list that takes `fields=` (`shaped`) is routed at `<rule>.sparse` too."""

    ARGUMENTS_PARSER = StrictParser()

    def add_url_rule(self, rule, endpoint=None, view_func=None, *args, **options):
        super().add_url_rule(rule, endpoint, view_func, *args, **options)
        get = getattr(view_func, "get", None)
        if getattr(get, "narrows_fields", False) and not rule.endswith(SPREADSHEETS):
            sparse = type(f"{view_func.__name__}Sparse", (MethodView,), {"get": get})
            super().add_url_rule(rule + SPARSE, None, sparse, *args, **options)


class ItemIdConverter(BaseConverter):
    """An item id in a path."""

    regex = r"[^/]+"


def converter_of(kind) -> str:
    """The converter of a collection's item ids: `item_id`, or one of its own where its schema
    reserves ids for views (`stance_id`: never `matrix`, `matrix.csv` or `matrix.xlsx`, which is
    /v1/stances/matrix, so that only GET routes there and any other method is a 405 that
    allows GET alone)."""
    return f"{kind.singular}_id" if kind.item.RESERVED_IDS else "item_id"


def converters(kinds) -> dict[str, type[BaseConverter]]:
    """The converters of these collections' item ids (see `converter_of`)."""
    found = {"item_id": ItemIdConverter}
    for kind in kinds:
        reserved = "|".join(re.escape(name) for name in kind.item.RESERVED_IDS)
        if reserved:
            pattern = rf"(?!(?:{reserved})(?:\.csv|\.xlsx)?$)[^/]+"
            found[converter_of(kind)] = type(
                f"{kind.singular.title()}IdConverter", (ItemIdConverter,), {"regex": pattern}
            )
    return found


def item_id_schema(converter) -> dict:
    """How an id in a path is documented."""
    return {"type": "string", "minLength": 1}
