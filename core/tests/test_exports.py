"""The one tabular export of Socle: CSV for French spreadsheets, XLSX and ODS, complete and streamed."""

import csv
import datetime as dt
import io
import time
import tracemalloc
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
import tablib
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse
from odf import opendocument, teletype
from odf.namespaces import OFFICENS, TABLENS
from odf.table import TableCell, TableRow

from core.exports import export_content, export_format, export_response, iter_export
from territoires import models
from territoires.tests.factories import CommuneFactory

HEADERS = ["UAI", "Nom", "IPS", "Élèves", "Ouverte le", "Publique"]
ROWS = [
    ["0350001A", "École Jean Jaurès", Decimal("104.3"), 210, dt.date(2020, 9, 1), True],
    ["0350002B", '=HYPERLINK("http://x")', None, 0, "", False],
]


def xlsx(content: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(content)).active


def ods_cells(content: bytes) -> list[list[tuple[str, str]]]:
    """(office:value-type, value as written) of every cell, read with odfpy."""
    document = opendocument.load(io.BytesIO(content))
    rows = []
    for row in document.spreadsheet.getElementsByType(TableRow):
        cells = []
        for cell in row.getElementsByType(TableCell):
            kind = cell.attributes.get((OFFICENS, "value-type"), "")
            value = (
                cell.attributes.get((OFFICENS, "value"))
                or cell.attributes.get((OFFICENS, "date-value"))
                or cell.attributes.get((OFFICENS, "boolean-value"))
                or str(cell)
            )
            cells.append((kind, value))
        rows.append(cells)
    return rows


# --- CSV ----------------------------------------------------------------------------------------


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
    sheet = xlsx(export_content(fmt="xlsx", headers=HEADERS, rows=ROWS))
    assert sheet["B3"].value.startswith("'=") and sheet["B3"].data_type == "s"
    assert ods_cells(export_content(fmt="ods", headers=HEADERS, rows=ROWS))[2][1] == (
        "string",
        '\'=HYPERLINK("http://x")',
    )


def test_phone_numbers_and_negative_numbers_are_kept_as_is():
    text = export_content(fmt="csv", headers=["Téléphone", "Écart"], rows=[["+33 2 99 00 00 00", Decimal("-1.5")]])
    assert text.decode("utf-8").splitlines()[1] == "+33 2 99 00 00 00;-1,5"


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_keeps_numbers_booleans_and_dates_typed():
    sheet = xlsx(export_content(fmt="xlsx", headers=HEADERS, rows=ROWS))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS)
    assert rows[1][0] == "0350001A" and rows[1][1] == "École Jean Jaurès"
    assert rows[1][2] == pytest.approx(104.3) and sheet["C2"].data_type == "n"
    assert rows[1][3] == 210 and sheet["D2"].data_type == "n"
    assert rows[1][4] == dt.datetime(2020, 9, 1) and sheet["E2"].is_date and sheet["E2"].number_format == "dd/mm/yyyy"
    assert rows[1][5] is True and rows[2][5] is False
    assert rows[2][2] is None and rows[2][4] is None  # None and "" are both blank cells
    assert len(rows) == 3


def test_xlsx_writes_decimals_exactly_and_a_readable_sheet():
    content = export_content(
        fmt="xlsx",
        headers=["Montant (€)", "Commentaire"],
        rows=[[Decimal("1234567.89"), "x" * 200], [Decimal("0.1"), "court"], [Decimal("1E+3"), ""]],
        title="Dossiers / 2026 : retenus",
    )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    # The file holds the decimal as written, never a binary float approximation (nor an exponent).
    assert "<v>1234567.89</v>" in sheet_xml and "<v>0.1</v>" in sheet_xml and "<v>1000</v>" in sheet_xml
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == "Dossiers   2026   retenus"
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert 12 <= sheet.column_dimensions["A"].width <= 20
    assert sheet.column_dimensions["B"].width == 61  # capped: a long comment does not make a huge column


def test_xlsx_dates_and_times_are_in_paris_time():
    moment = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
    text = export_content(fmt="csv", headers=["Quand"], rows=[[moment]]).decode("utf-8")
    assert "15/01/2026 10:30" in text
    sheet = xlsx(export_content(fmt="xlsx", headers=["Quand"], rows=[[moment]]))
    assert sheet["A2"].value == dt.datetime(2026, 1, 15, 10, 30)
    assert sheet["A2"].number_format == "dd/mm/yyyy hh:mm"


def test_control_characters_do_not_break_the_files():
    rows = [["Nom\x00 avec\x1b contrôle", "a < b & c > d"]]
    sheet = xlsx(export_content(fmt="xlsx", headers=["Nom", "Texte"], rows=rows))
    assert sheet["A2"].value == "Nom avec contrôle" and sheet["B2"].value == "a < b & c > d"
    data = tablib.Dataset().load(export_content(fmt="ods", headers=["Nom", "Texte"], rows=rows), format="ods")
    assert data[0] == ("Nom avec contrôle", "a < b & c > d")


# --- ODS ----------------------------------------------------------------------------------------


def test_ods_is_an_opendocument_with_its_mimetype_first_and_uncompressed():
    content = export_content(fmt="ods", headers=HEADERS, rows=ROWS)
    # What file(1) and office suites check: "mimetype" stored at the start, its content at offset 38.
    assert content[30:38] == b"mimetype" and content[38:84] == b"application/vnd.oasis.opendocument.spreadsheet"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED and not first.extra
        assert {"META-INF/manifest.xml", "content.xml", "styles.xml"} <= set(archive.namelist())


def test_ods_keeps_numbers_booleans_and_dates_typed():
    moment = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
    cells = ods_cells(export_content(fmt="ods", headers=[*HEADERS, "Quand"], rows=[[*ROWS[0], moment], ROWS[1]]))
    assert cells[0][:2] == [("string", "UAI"), ("string", "Nom")] and cells[0][3] == ("string", "Élèves")
    assert cells[1] == [
        ("string", "0350001A"),
        ("string", "École Jean Jaurès"),
        ("float", "104.3"),
        ("float", "210"),
        ("date", "2020-09-01"),
        ("boolean", "true"),
        ("date", "2026-01-15T10:30:00"),
    ]
    assert (
        cells[2][2] == cells[2][4] == ("", "") and cells[2][3] == ("float", "0") and cells[2][5] == ("boolean", "false")
    )


def test_ods_opens_with_pandas_and_tablib():
    content = export_content(fmt="ods", headers=HEADERS, rows=ROWS, title="Établissements")
    frame = pd.read_excel(io.BytesIO(content), engine="odf", dtype={"UAI": str})
    assert frame.columns.tolist() == HEADERS
    assert frame["UAI"].tolist() == ["0350001A", "0350002B"] and frame["Nom"][0] == "École Jean Jaurès"
    assert frame["IPS"][0] == pytest.approx(104.3) and frame["Élèves"].tolist() == [210, 0]
    assert frame["Ouverte le"][0] == pd.Timestamp(2020, 9, 1)
    data = tablib.Dataset().load(content, format="ods")
    assert data.title == "Établissements" and data.headers == HEADERS
    assert data[0][:4] == ("0350001A", "École Jean Jaurès", 104.3, 210.0) and data[0][4] == dt.date(2020, 9, 1)
    assert len(data) == 2


def test_ods_keeps_spaces_tabs_and_line_breaks():
    texts = ["  deux espaces devant", "a  b   c", "ligne 1\nligne 2", "fin "]
    content = export_content(fmt="ods", headers=["Texte"], rows=[[t] for t in [*texts, "col\tonne"]])
    frame = pd.read_excel(io.BytesIO(content), engine="odf")
    assert frame["Texte"].tolist()[:4] == texts
    # pandas drops tabs; LibreOffice reads <text:tab/> as one.
    last_cell = opendocument.load(io.BytesIO(content)).spreadsheet.getElementsByType(TableCell)[-1]
    assert teletype.extractText(last_cell) == "col\tonne"


# --- Any size, streamed -------------------------------------------------------------------------


def _national_rows(n: int):
    for i in range(n):
        yield [f"0{i:06d}A", f"École élémentaire Jean Jaurès n° {i}", "École", Decimal("98.7"), i % 900, True]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_memory_stays_bounded_whatever_the_number_of_rows(fmt):
    tracemalloc.start()
    try:
        written = sum(len(chunk) for chunk in iter_export(fmt=fmt, headers=HEADERS, rows=_national_rows(30_000)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert written > 200_000
    # The uncompressed sheet of 30,000 rows weighs tens of megabytes: only a few chunks are ever in memory.
    assert peak < 6_000_000, f"{peak:_} bytes"


def test_a_small_export_is_one_response_and_a_large_one_is_streamed():
    small = export_response(fmt="xlsx", filename="petit", headers=HEADERS, rows=ROWS)
    assert not small.streaming and xlsx(small.content).max_row == 3
    large = export_response(fmt="xlsx", filename="grand", headers=HEADERS, rows=_national_rows(20_000))
    assert isinstance(large, StreamingHttpResponse)
    assert xlsx(b"".join(large.streaming_content)).max_row == 20_001


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


def test_empty_list_gives_the_header_row_only():
    for fmt in ("xlsx", "ods"):
        data = tablib.Dataset().load(export_content(fmt=fmt, headers=HEADERS, rows=[]), format=fmt)
        assert data.headers == HEADERS and len(data) == 0


NATIONAL = 60_000


_XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# Where each format keeps its sheet, its rows, its cells and a cell's type (none for an XLSX number).
_LAYOUT = {
    "xlsx": ("xl/worksheets/sheet1.xml", f"{_XLSX_NS}row", f"{_XLSX_NS}c", "t"),
    "ods": ("content.xml", f"{{{TABLENS}}}table-row", f"{{{TABLENS}}}table-cell", f"{{{OFFICENS}}}value-type"),
}


def _sheet_rows(fmt: str, content: bytes) -> tuple[int, list[str], list[tuple[str, str]]]:
    """Number of rows, the header's texts and the last row's (type, value), parsed as a stream.

    Fast enough for 60,000 rows (openpyxl needs half a minute); the small exports above go through openpyxl,
    odfpy, pandas and tablib.
    """
    part, row_tag, cell_tag, type_attribute = _LAYOUT[fmt]
    count, header, last = 0, [], []
    with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(part) as stream:
        for _, element in ElementTree.iterparse(stream):  # noqa: S314 (the file this very test wrote)
            if element.tag == row_tag:
                cells = element.findall(cell_tag)
                if count == 0:
                    header = ["".join(cell.itertext()) for cell in cells]
                last = [
                    (
                        cell.get(type_attribute, ""),
                        cell.get(f"{{{OFFICENS}}}value") or "".join(cell.itertext()),
                    )
                    for cell in cells
                ]
                count += 1
                element.clear()
    return count, header, last


@pytest.mark.django_db
def test_a_national_list_of_60000_etablissements_exports_whole_in_every_format(client):
    commune = CommuneFactory(code_insee="35238", nom="Rennes")
    departement = commune.departement
    models.Etablissement.objects.bulk_create(
        [
            models.Etablissement(
                uai=f"{i:07d}A",
                nom=f"École élémentaire Jean Jaurès {i}",
                niveau=models.Niveau.ECOLE,
                secteur=models.Secteur.PUBLIC,
                commune=commune,
                departement=departement,
                academie=departement.academie,
                code_postal="35000",
                eleves=i % 700,
                classes=i % 30,
            )
            for i in range(NATIONAL)
        ],
        batch_size=5000,
    )
    url = reverse("territoires:recherche")
    timings = {}
    contents = {}
    for fmt in ("csv", "xlsx", "ods"):
        start = time.perf_counter()
        response = client.get(url, {"departement": departement.code, "format": fmt})
        assert response.status_code == 200 and response.streaming
        contents[fmt] = b"".join(response.streaming_content)
        timings[fmt] = time.perf_counter() - start

    lines = contents["csv"].decode("utf-8-sig").splitlines()
    assert len(lines) == NATIONAL + 1 and lines[0].startswith("UAI;Nom;Type")

    for fmt, number_type in (("xlsx", ""), ("ods", "float")):
        count, header, last_row = _sheet_rows(fmt, contents[fmt])
        assert count == NATIONAL + 1 and header[:2] == ["UAI", "Nom"] and "Élèves" in header
        assert last_row[0][1].endswith("A") and "Jean Jaurès" in last_row[1][1]
        eleves = last_row[header.index("Élèves")]
        assert eleves[0] == number_type and eleves[1].isdigit(), (fmt, eleves)

    # The capped exports took ≈ 22 s per 10,000 rows in ODS; these take a few seconds for 60,000.
    assert max(timings.values()) < 60, timings


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_the_inventory_template_downloaded_in_any_format_is_read_back_by_the_import(client, fmt):
    from diagnostics import importation

    response = client.get(reverse("diagnostics:modele"), {"format": fmt})
    lecture = importation.lire_fichier(
        f"modele-inventaire.{fmt}",
        response.content,
        uais_autorises={"0350001A"},
        codes_items={code: code for _, code, *_ in importation.EXEMPLE},
        annee_courante=2026,
    )
    assert lecture.erreurs == [] and len(lecture.lignes) == len(importation.EXEMPLE)
    premiere = lecture.lignes[0]
    assert (premiere.designation, premiere.quantite, premiere.annee_acquisition) == (
        "Vidéoprojecteur interactif",
        1,
        2021,
    )
    assert lecture.lignes[1].numero_serie == ""
