"""Spreadsheet files: a JSON value as one cell's text, the file name an answer offers, and
.xlsx for Excel — the rows a CSV answer holds, in one sheet, each cell of its own type: text
always as text (never a formula, a number or a link read into it), numbers as numbers,
true/false as booleans, days and moments as dates; the header row bold and frozen."""

import io
import re
from datetime import date, datetime

import xlsxwriter
from flask import current_app, request
from flask_smorest import abort

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
# Text as text: XlsxWriter's write() would otherwise read "=…" as a formula, "https://…" as a
# link and "2.5" as a number.
OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,
}


# The rows an .xlsx answer holds at most: a workbook is built whole in memory (a CSV streams),
# 10,000 rows of 25 columns in about a second of CPU; past it, a 400 says what to ask instead.
MOST_ROWS = 10_000


def workbook_response(batches):
    """An .xlsx answer of these batches of rows (the header row first), offered as a file; a
    400 past MOST_ROWS rows (what was built is dropped)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, OPTIONS)
    sheet = book.add_worksheet("data")
    formats = {
        "header": book.add_format({"bold": True}),
        "day": book.add_format({"num_format": "yyyy-mm-dd"}),
        "moment": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    number = 0
    for rows in batches:
        if number + len(rows) > MOST_ROWS + 1:
            book.close()
            abort(
                400,
                message=f"An .xlsx answer holds {MOST_ROWS:,} rows at most, and this one holds "
                "more: narrow the filters, ask for pages with `limit` and `cursor`, or take "
                "the .csv, which streams any number of rows.",
            )
        for row in rows:
            for column, value in enumerate(row):
                write(sheet, number, column, value, formats, header=number == 0)
            number += 1
    sheet.freeze_panes(1, 0)
    book.close()
    response = current_app.response_class(buffer.getvalue(), content_type=XLSX_TYPE)
    return spreadsheet(response, "xlsx")


def write(sheet, row: int, column: int, value, formats: dict, header: bool) -> None:
    """One cell, of the type of its value."""
    if header:
        sheet.write_string(row, column, str(value), formats["header"])
    elif value is None or value == "" or value == []:
        sheet.write_blank(row, column, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif isinstance(value, str) and DAY.match(value):
        sheet.write_datetime(row, column, date.fromisoformat(value), formats["day"])
    elif isinstance(value, str) and MOMENT.match(value):
        sheet.write_datetime(row, column, datetime.fromisoformat(value), formats["moment"])
    else:
        sheet.write_string(row, column, flat_text(value))


CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(text: str) -> str:
    """Text no spreadsheet reads as a formula: one that would start one begins with `'`."""
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def flat_text(value, defuse: bool = False) -> str:
    """A JSON value as one cell's text: a reference its id, a list its items joined by "; ",
    and evidence spans each in quote marks, joined by " | " — several quotes never read as
    one the article did not write."""
    if value is None:
        return ""
    if isinstance(value, list):
        if value and all(isinstance(item, dict) and "quote" in item for item in value):
            return " | ".join(f"“{item['quote']}”" for item in value)
        items = (flat_text(item, defuse) for item in value)  # a CSV's `;` may split cells:
        return "; ".join(map(defused, items) if defuse else items)  # each defused there
    if isinstance(value, dict):
        if "id" in value:
            return str(value["id"])
        if "quote" in value:
            return f"“{value['quote']}”"
        return " ".join(flat_text(item, defuse) for item in value.values() if item is not None)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def spreadsheet(response, extension: str = "csv"):
    """A spreadsheet answer, offered as a file named after its path: `stances.csv`,
    `stances-matrix.csv`."""
    name = request.path.removeprefix("/v1/").rsplit(".", 1)[0].replace("/", "-") or "briefing"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response
