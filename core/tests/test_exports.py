"""The one tabular export of Socle: CSV for French spreadsheets, XLSX and ODS."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.test import RequestFactory

from core.exports import export_content, export_format, export_response

HEADERS = ["UAI", "Nom", "IPS", "Élèves", "Ouverte le", "Publique"]
ROWS = [
    ["0350001A", "École Jean Jaurès", Decimal("104.3"), 210, dt.date(2020, 9, 1), True],
    ["0350002B", '=HYPERLINK("http://x")', None, 0, None, False],
]


def test_csv_has_bom_semicolons_decimal_comma_and_french_dates():
    content = export_content(fmt="csv", headers=HEADERS, rows=ROWS)
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8")
    assert text.splitlines()[0] == "\ufeffUAI;Nom;IPS;Élèves;Ouverte le;Publique"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1] == ["0350001A", "École Jean Jaurès", "104,3", "210", "01/09/2020", "oui"]
    assert rows[2][2] == "" and rows[2][5] == "non"


def test_no_cell_is_read_as_a_formula():
    text = export_content(fmt="csv", headers=HEADERS, rows=ROWS).decode("utf-8")
    assert "'=HYPERLINK" in text
    sheet = openpyxl.load_workbook(io.BytesIO(export_content(fmt="xlsx", headers=HEADERS, rows=ROWS))).active
    assert sheet["B3"].value.startswith("'=") and sheet["B3"].data_type == "s"


def test_phone_numbers_and_negative_numbers_are_kept_as_is():
    text = export_content(fmt="csv", headers=["Téléphone", "Écart"], rows=[["+33 2 99 00 00 00", Decimal("-1.5")]])
    assert text.decode("utf-8").splitlines()[1] == "+33 2 99 00 00 00;-1,5"


def test_xlsx_keeps_numbers_and_dates_typed():
    sheet = openpyxl.load_workbook(io.BytesIO(export_content(fmt="xlsx", headers=HEADERS, rows=ROWS))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS)
    assert rows[1][0] == "0350001A" and rows[1][2] == pytest.approx(104.3) and rows[1][3] == 210
    assert rows[1][4].date() == dt.date(2020, 9, 1)


def test_ods_opens_with_headers_and_rows():
    data = tablib.Dataset().load(export_content(fmt="ods", headers=HEADERS, rows=ROWS), format="ods")
    assert data.headers == HEADERS
    assert data[0][0] == "0350001A" and data[0][1] == "École Jean Jaurès"
    assert float(data[0][2]) == pytest.approx(104.3)
    assert len(data) == 2


def test_aware_datetimes_are_written_in_paris_time():
    moment = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
    text = export_content(fmt="csv", headers=["Quand"], rows=[[moment]]).decode("utf-8")
    assert "15/01/2026 10:30" in text
    sheet = openpyxl.load_workbook(io.BytesIO(export_content(fmt="xlsx", headers=["Quand"], rows=[[moment]]))).active
    assert sheet["A2"].value == dt.datetime(2026, 1, 15, 10, 30)


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ],
)
def test_response_is_a_named_download(fmt, content_type):
    response = export_response(fmt=fmt, filename="Établissements d'Ille", headers=HEADERS, rows=ROWS)
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="etablissements-dille-') and disposition.endswith(f'.{fmt}"')


def test_format_is_read_from_the_query_string_and_unknown_formats_are_ignored():
    factory = RequestFactory()
    assert export_format(factory.get("/", {"format": "CSV"})) == "csv"
    assert export_format(factory.get("/", {"format": "pdf"})) is None
    assert export_format(factory.get("/")) is None
    with pytest.raises(ValueError, match="Format d'export inconnu"):
        export_content(fmt="pdf", headers=HEADERS, rows=ROWS)
