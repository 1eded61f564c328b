"""The project's Blueprint (flask-smorest's, with the strict parser) and its URL converters."""

import flask_smorest
from werkzeug.routing import BaseConverter

from api.http.parser import StrictParser


class Blueprint(flask_smorest.Blueprint):
    """Every resource's blueprint: query strings and bodies parsed by `StrictParser`."""

    ARGUMENTS_PARSER = StrictParser()


class ItemIdConverter(BaseConverter):
    """An item id in a path."""

    regex = r"[^/]+"


class StanceIdConverter(ItemIdConverter):
    """A stance id: never `matrix` (or `matrix.csv`), which is a view of its own
    (/v1/stances/matrix), so that only GET routes there and any other method is a 405 that
    allows GET alone."""

    regex = r"(?!matrix(?:\.csv)?$)[^/]+"


CONVERTERS = {"item_id": ItemIdConverter, "stance_id": StanceIdConverter}


def item_id_schema(converter) -> dict:
    """How an id in a path is documented."""
    return {"type": "string", "minLength": 1}
