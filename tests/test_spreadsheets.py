"""Spreadsheets people open: .xlsx beside .csv (read back with openpyxl, as Excel would read
them), a file name offered, UTF-8 with a byte order mark on request, quotes kept apart."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return list(book.active.iter_rows(values_only=True))


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_stances_xlsx_holds_the_csvs_rows_with_curly_quotes_intact(client):
    rows = workbook_rows(client.get("/v1/stances.xlsx"))
    text = csv_rows(client.get("/v1/stances.csv"))
    assert list(rows[0]) == text[0]
    assert len(rows) == len(text) > 10
    header = rows[0]
    evidence = [row[header.index("evidence")] for row in rows[1:]]
    assert any("“" in quote for quote in evidence)  # the article's own quote marks, as they are
    assert all(quote.startswith("“") and quote.endswith("”") for quote in evidence)
    updated = rows[1][header.index("updated_at")]
    assert isinstance(updated, datetime)  # a moment as a date, not text


def test_several_quotes_are_never_joined_into_one(client):
    rows = csv_rows(client.get("/v1/actors.csv?fields=evidence"))
    nato = next(row for row in rows if row[0] == "nato")
    quotes = client.get("/v1/actors/nato").json["evidence"]
    assert len(quotes) == 2
    assert nato[1] == " | ".join(f"“{span['quote']}”" for span in quotes)


def test_text_that_starts_a_formula_stays_text_in_a_workbook(client, editor, restore):
    headers = {**editor, "If-Match": "*"}
    patch = {"description": '=HYPERLINK("http://example.com")'}
    assert client.patch("/v1/actors/nato", json=patch, headers=headers).status_code == 200
    rows = workbook_rows(client.get("/v1/actors.xlsx?fields=description"))
    nato = next(row for row in rows if row[0] == "nato")
    assert nato[1] == patch["description"]  # text, as written: openpyxl reads no formula
    book = openpyxl.load_workbook(io.BytesIO(client.get("/v1/actors.xlsx").get_data()))
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/stances.csv", "stances.csv"),
        ("/v1/stances.xlsx", "stances.xlsx"),
        ("/v1/stances/matrix.csv", "stances-matrix.csv"),
        ("/v1/stances/matrix.xlsx", "stances-matrix.xlsx"),
        ("/v1/search.csv?q=ceasefire", "search.csv"),
        ("/v1/search.xlsx?q=ceasefire", "search.xlsx"),
        ("/v1/events.csv?limit=2", "events.csv"),
    ],
)
def test_every_spreadsheet_offers_a_file_name(client, path, name):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'


def test_csv_is_plain_utf8_and_takes_a_byte_order_mark_for_excel(client):
    plain = client.get("/v1/stances.csv").get_data()
    marked = client.get("/v1/stances.csv?bom=true").get_data()
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert marked == b"\xef\xbb\xbf" + plain
    one_page = client.get("/v1/stances.csv?limit=3&bom=true").get_data()
    assert one_page.startswith(b"\xef\xbb\xbf")
    assert client.get("/v1/stances.xlsx?bom=true").status_code == 400  # a CSV's own


def test_the_matrix_workbook_has_names_and_a_column_per_value(client):
    rows = workbook_rows(client.get("/v1/stances/matrix.xlsx"))
    header = rows[0]
    assert header[:2] == ("actor", "actor_name")
    hungary = next(row for row in rows if row[0] == "hungary")
    assert hungary[1] == "Hungary"
    title = client.get("/v1/proposals/nato-collective-deployment").json["title"]
    position = header.index(f"{title}: position")
    assert hungary[position : position + 2] == ("opposes", "stated")
    page = workbook_rows(client.get("/v1/stances/matrix.xlsx?limit=2"))
    assert len(page) == 3


def test_search_as_a_workbook(client):
    rows = workbook_rows(client.get("/v1/search.xlsx?q=ceasefire"))
    assert rows[0][:2] == tuple(csv_rows(client.get("/v1/search.csv?q=ceasefire"))[0][:2])
    assert len(rows) > 1


def test_a_cached_spreadsheet_still_offers_its_file_name(client):
    first = client.get("/v1/proposals.xlsx")
    again = client.get("/v1/proposals.xlsx")  # from the response cache
    assert again.get_data() == first.get_data()
    assert again.headers["Content-Disposition"] == 'attachment; filename="proposals.xlsx"'


def test_a_workbook_too_big_to_build_is_a_400_that_says_what_to_ask(client, monkeypatch):
    from api.http import workbooks

    monkeypatch.setattr(workbooks, "MOST_ROWS", 5)
    response = client.get("/v1/stances.xlsx?sort=-id")  # a path no other test has cached
    assert response.status_code == 400
    assert ".csv" in response.json["detail"] and "limit" in response.json["detail"]
    assert client.get("/v1/stances.xlsx?sort=-id&limit=5").status_code == 200
    assert client.get("/v1/stances.csv").status_code == 200  # streamed, any size
