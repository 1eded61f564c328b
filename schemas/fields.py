"""Field types every schema uses: slugs, bounded text, fixed values, numbers, query lists."""

import re
from datetime import UTC

from marshmallow import ValidationError, fields, validate
from webargs.fields import DelimitedList

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


# No database stores NUL in text, and no encoder writes an unpaired surrogate.
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def has_forbidden_characters(text: str) -> bool:
    return bool(FORBIDDEN_CHARACTERS.search(text))


def forbidden_strings(value, path: str = "") -> dict[str, list[str]]:
    """Where, in a parsed JSON value, a string holds NUL or an unpaired surrogate."""
    where = path or "_body"
    if isinstance(value, str):
        bad = has_forbidden_characters(value)
        return {where: ["Must not contain NUL or unpaired surrogates."]} if bad else {}
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {}
    found = {}
    for key, item in items:
        if isinstance(key, str) and has_forbidden_characters(key):
            found[where] = ["Keys must not contain NUL or unpaired surrogates."]
        found.update(forbidden_strings(item, f"{path}.{key}" if path else str(key)))
    return found


slug = validate.Regexp(SLUG_PATTERN, error="Must be a lowercase slug such as 'united-kingdom'.")


SLUG_LENGTH = validate.Length(min=1, max=100)


def slug_field(metadata=None, **kwargs) -> fields.String:
    """A readable id: lowercase words joined by hyphens."""
    return fields.String(
        validate=[SLUG_LENGTH, slug],
        metadata={"example": "united-kingdom", **(metadata or {})},
        **kwargs,
    )


def text_field(max_length: int, **kwargs) -> fields.String:
    """Plain text, bounded so that every database accepts it."""
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


# Our enum values are spelt the American way; the house style's prose, and many a journalist,
# the British: these words are taken as the value's own (`sceptical` is `skeptical`).
AMERICAN = {"sceptical": "skeptical", "defence": "defense", "organisation": "organization"}


def in_american(value: str) -> str:
    """A value with its British spellings made American: 'defence_spending_pct_gdp' →
    'defense_spending_pct_gdp'."""
    return re.sub(r"[a-z]+", lambda word: AMERICAN.get(word.group(), word.group()), value)


class EnumString(fields.String):
    """One of fixed values in a body, British spellings taken as the American (`AMERICAN`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return in_american(super()._deserialize(value, attr, data, **kwargs))


def enum_field(choices, **kwargs) -> fields.String:
    return EnumString(validate=validate.OneOf(choices), **kwargs)


class ListParameter(DelimitedList):
    """A list in a query string, given either way, or both: `x=a,b` and `x=a&x=b`."""

    is_multiple = True  # webargs hands over every value given, not the first

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            value = self.delimiter.join(value)
        return super()._deserialize(value, attr, data, **kwargs)


class QueryInteger(fields.Integer):
    """An integer in a query string: ASCII digits only (Python's int() would take '５' or '٥')."""

    def _validated(self, value):
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            raise self.make_error("invalid")
        return super()._validated(value)


class Number(fields.Float):
    """A JSON number in a body: strings such as "2.5" are refused, as the schema says."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._validated(value)


class Instant(fields.AwareDateTime):
    """A moment with its offset, that exists in UTC too (`9999-12-31T23:59:59-14:00` does not:
    it is past the last moment a date can hold)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError(
                "Out of range: give a time between years 1 and 9999 in UTC."
            ) from error


class PastedInstant(Instant):
    """A moment as a journalist pastes it into a URL: the feed's own `at` as printed (its `+`
    read back as a space, unless sent as `%2B`), `Z`, a time without offset (UTC), or a plain
    date (its first moment, UTC)."""

    SPACED_OFFSET = re.compile(r"^(\S+T[\d:.]+) (\d{2}(?::?\d{2})?)$")
    DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip()
            if self.DATE.match(value):
                value += "T00:00:00+00:00"
            value = self.SPACED_OFFSET.sub(r"\1+\2", value)
        return super()._deserialize(value, attr, data, **kwargs)


class CountryCode(fields.String):
    """An ISO 3166-1 alpha-2 code in a query string, in any case (`gb` is `GB`)."""

    def __init__(self, **kwargs):
        pattern = validate.Regexp(r"^[A-Za-z]{2}$", error="Must be a two-letter ISO code.")
        super().__init__(validate=pattern, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).upper()


class OneOfCollections(validate.OneOf):
    """One of the names of a kind of collection in the table (`schemas.collections.names`),
    read when first used, since the table imports the schemas that name its collections."""

    def __init__(self, kind: str, error: str | None = None):
        self.kind = kind
        self.labels, self.labels_text = [], ""
        self.error = error or self.default_message

    @property
    def choices(self) -> tuple[str, ...]:
        from schemas.collections import names

        return names(self.kind)

    @property
    def choices_text(self) -> str:
        return ", ".join(self.choices)


def collection_field(kind: str, **kwargs) -> fields.String:
    """The name of a collection of that kind (`schemas.collections.names`), e.g. 'stances'."""
    return fields.String(validate=OneOfCollections(kind), **kwargs)


class Choice(fields.String):
    """One of fixed values in a query string, in any case (`Likely` is `likely`) and British
    spellings (`sceptical` is `skeptical`): `choices`, or the names of a kind of collection
    (`OneOfCollections`)."""

    def __init__(self, choices, **kwargs):
        error = "'{input}' is not one of: {choices}."
        if isinstance(choices, OneOfCollections):
            choices.error = error
            one_of = choices
        else:
            one_of = validate.OneOf(choices, error=error)
        super().__init__(validate=one_of, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return in_american(super()._deserialize(value, attr, data, **kwargs).casefold())
