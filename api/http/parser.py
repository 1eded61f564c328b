"""Request parsing stricter than webargs' defaults: what is ambiguous is refused, not guessed."""

import json

from flask_smorest import abort
from marshmallow import fields
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy

from schemas.fields import has_forbidden_characters


def unique_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys: {', '.join(duplicates)}")
    return dict(pairs)


def no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class StrictParser(FlaskParser):
    """Bodies: duplicate keys, NaN/Infinity, invalid UTF-8 and absurd nesting are a 400.
    Query strings: a parameter given twice, or holding NUL, is a 400."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        if not raw:
            return core.missing
        try:
            return json.loads(
                raw.decode("utf-8"), object_pairs_hook=unique_keys, parse_constant=no_constant
            )
        except (ValueError, RecursionError) as error:
            detail = str(error) if not isinstance(error, RecursionError) else "nested too deeply"
            abort(400, message=f"Invalid JSON body: {detail}.", errors={"_body": [detail]})

    def load_querystring(self, req, schema):
        args = QueryArgs(req.args)
        problems = {}
        for name, values in args.lists.items():
            if len(values) > 1 and not isinstance(schema.fields.get(name), fields.List):
                problems[name] = ["Give this parameter once."]
            if any(has_forbidden_characters(value) for value in values):
                problems[name] = ["Must not contain NUL characters."]
        if "format" in args.lists and "format" not in schema.fields:
            valid = ", ".join(sorted(schema.fields))
            problems["format"] = [
                f"Unknown parameter. For CSV, ask for {req.path.removesuffix('/')}.csv with the "
                f"same parameters, or send 'Accept: text/csv'. Valid parameters: {valid}."
            ]
        if problems:
            abort(400, errors=problems)
        return MultiDictProxy(args, schema, known_multi_fields=tuple(self.KNOWN_MULTI_FIELDS))


class QueryArgs(dict):
    """A query string as webargs reads it, a parameter at a time: its first values, and
    `getlist` for all. Werkzeug's own MultiDict raises (and builds) an HTTP exception for each
    parameter not given, a dozen per request on a collection."""

    def __init__(self, args):
        self.lists = args.to_dict(flat=False)
        super().__init__((name, values[0]) for name, values in self.lists.items())

    def getlist(self, name: str) -> list:
        return self.lists.get(name, [])
