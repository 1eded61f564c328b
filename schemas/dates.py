"""Dates as precise as they are known — a year, a month or a day — and the order of things
dated so: dates decide where they can; where precision cannot tell two apart (March 2025 and
4 March 2025; no date and any date), the order they were added in decides."""

import bisect
import calendar
import re
from dataclasses import dataclass
from datetime import date

from marshmallow import ValidationError, fields, validate

PRECISIONS = {4: "year", 7: "month", 10: "day"}  # by the length of the ISO form
PARTIAL_DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


MONTH_DAY = r"^--[0-9]{2}-[0-9]{2}$"  # ISO 8601's day of a month in no year given: --06-24
MONTH_DAY_PRECISION = "day_without_year"


def precision(partial_date: str | None) -> str | None:
    """'year', 'month' or 'day': how much of a date `2025`, `2025-03` or `2025-03-04` gives;
    'day_without_year' for `--06-24`."""
    if partial_date and partial_date.startswith("--"):
        return MONTH_DAY_PRECISION
    return PRECISIONS.get(len(partial_date)) if partial_date else None


def first_and_last_day(partial_date: str | None) -> tuple[date, date]:
    """The days a partial date may be (ValueError if it is no real date); every day for none."""
    if not partial_date:
        return date.min, date.max
    year, month, day = (list(map(int, partial_date.split("-"))) + [0, 0])[:3]
    if day:
        return date(year, month, day), date(year, month, day)
    if month:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(year, 1, 1), date(year, 12, 31)


class PartialDate(fields.String):
    """A date as precise as it is known: a year, a month or a day (`2025`, `2025-03`,
    `2025-03-04`). A date that YAML read as one is taken as its day."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Regexp(PARTIAL_DATE, error=PARTIAL_DATE_HELP))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, int) and 1000 <= value <= 9999:  # YAML's `2025`
            value = str(value)
        value = super()._deserialize(value, attr, data, **kwargs)
        if re.match(PARTIAL_DATE, value):
            try:
                first_and_last_day(value)
            except ValueError as error:
                raise ValidationError(f"Not a real date: {error}.") from error
        return value


PARTIAL_DATE_HELP = "Give a year, a month or a day: 2025, 2025-03 or 2025-03-04."


class EventDate(PartialDate):
    """An event's date as the article gives it: a year, a month, a day, or a day of a month
    in a year it does not say (`--06-24`, ISO 8601's form for "24 June")."""

    HELP = (
        "Give a year, a month, a day or a day without its year: 2025, 2025-03, 2025-03-04 "
        "or --06-24."
    )

    def __init__(self, **kwargs):
        either = f"{PARTIAL_DATE}|{MONTH_DAY}"
        kwargs.setdefault("validate", validate.Regexp(either, error=self.HELP))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and re.match(MONTH_DAY, value):
            month, day = map(int, value[2:].split("-"))
            try:
                date(2024, month, day)  # a leap year: 29 February is a day of some year
            except ValueError as error:
                raise ValidationError(f"Not a real date: {error}.") from error
            return value
        return super()._deserialize(value, attr, data, **kwargs)


@dataclass(frozen=True)
class Dated:
    id: str
    first: date
    last: date


def chronological(sources: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Sources (id, date), given in the order they were added, oldest first, each with what
    placed it after the one before: 'date', or 'added' where their dates cannot tell (None for
    the first). A source goes once no other left is certainly older (its last possible day
    before this one's first); of those that may go, the one added first."""
    left = [Dated(source_id, *first_and_last_day(on)) for source_id, on in sources]
    last_days = sorted(source.last for source in left)
    ordered: list[tuple[str, str | None]] = []
    before = None
    while left:
        earliest_end = last_days[0]
        chosen = next(source for source in left if source.first <= earliest_end)
        left.remove(chosen)
        del last_days[bisect.bisect_left(last_days, chosen.last)]
        how = None if before is None else ("date" if before.last < chosen.first else "added")
        ordered.append((chosen.id, how))
        before = chosen
    return ordered
