"""One tabular export helper for every list of Socle: CSV (French spreadsheet flavour), XLSX and ODS.

The CSV opens correctly in a French spreadsheet: ``;`` separator, UTF-8 with a byte order mark,
decimal comma, dates as « jj/mm/aaaa ». XLSX and ODS keep numbers, booleans and dates typed, with a bold
header row and column widths fitted to the first rows.

Every format is written row by row into a stream of bytes, whatever the size of the list (a national
list is ≈ 60,000 établissements): XLSX and ODS are zip files written here by hand (SpreadsheetML with
inline strings, OpenDocument ``content.xml``), compressed on the fly, so memory stays bounded (a few MB)
and 60,000 rows take about a second (``python -m bench.exports``). A small export is answered as a plain
``HttpResponse``; past ``STREAM_THRESHOLD`` bytes the response becomes a ``StreamingHttpResponse`` fed by
the rows iterator.

A view exports its list with::

    fmt = export_format(request)
    if fmt:
        return export_response(fmt=fmt, filename="etablissements", headers=[...], rows=queryset_rows_iterator)
"""

import csv
import datetime as dt
import io
import itertools
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
EXPORT_FORMATS = tuple(CONTENT_TYPES)
SPREADSHEET_FORMATS = ("xlsx", "ods")
BOM = "\ufeff"
# Rows written per chunk of the stream, and bytes kept in memory before the response is streamed.
CHUNK_ROWS = 500
STREAM_THRESHOLD = 256 * 1024
# Rows read ahead to size the columns (the widths are written before the first row).
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60
# Excel refuses longer cells.
MAX_CELL_CHARS = 32_767


def export_format(request: HttpRequest) -> str | None:
    """The export format asked for with ``?format=csv|xlsx|ods``, or None for the HTML page."""
    fmt = request.GET.get("format", "").lower()
    return fmt if fmt in CONTENT_TYPES else None


def _guard(value: Any) -> Any:
    """Never let a text cell be read as a formula (CSV/formula injection)."""
    if (
        isinstance(value, str)
        and value
        and (value[0] in "=@" or (value[0] in "+-" and len(value) > 1 and not value[1].isdigit()))
    ):
        return "'" + value
    return value


# --- CSV ----------------------------------------------------------------------------------------


def _csv_cell(value: Any) -> Any:
    value = _guard(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal | float):
        return str(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value


def _iter_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    rows = iter(rows)
    while True:
        batch = list(itertools.islice(rows, CHUNK_ROWS))
        writer.writerows([_csv_cell(value) for value in row] for row in batch)
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        if len(batch) < CHUNK_ROWS:
            return


# --- Cells of the spreadsheets --------------------------------------------------------------------

# Characters XML 1.0 forbids (a stray control character in a name would make the whole file unreadable).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(value: str) -> str:
    if len(value) > MAX_CELL_CHARS:
        value = value[:MAX_CELL_CHARS]
    return _XML_ILLEGAL.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(value: str) -> str:
    return _xml_text(value).replace('"', "&quot;")


def _number_text(value: Any) -> str | None:
    """The exact text of a finite number (no exponent for decimals), None for NaN and infinities."""
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else None
    return str(int(value))


def _naive(value: dt.datetime) -> dt.datetime:
    # Spreadsheets have no time zones: write the local (Paris) time.
    return timezone.make_naive(value) if timezone.is_aware(value) else value


def _kind(value: Any) -> str:
    """One of "empty", "string", "number", "bool", "date", "datetime" (for the types not in the fast table)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    return "string"


_KINDS: dict[type, str] = {
    type(None): "empty",
    str: "string",
    int: "number",
    float: "number",
    Decimal: "number",
    bool: "bool",
    dt.date: "date",
    dt.datetime: "datetime",
}


def _display_width(value: Any) -> int:
    kind = _KINDS.get(type(value)) or _kind(value)
    if kind == "empty":
        return 0
    if kind == "date":
        return 10
    if kind == "datetime":
        return 16
    if kind == "bool":
        return 4
    return max((len(line) for line in str(value).splitlines()), default=0)


def _column_widths(headers: Sequence[str], sample: Sequence[Sequence[Any]]) -> list[int]:
    """Characters per column: the longest of the header (bold, so a little wider) and the sampled cells."""
    widths = [round(len(str(header)) * 1.1) + 1 for header in headers]
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _display_width(value))
    return [min(max(width + 1, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _sheet_name(title: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title or "").strip().strip("'")[:31].strip()
    return name or "Export"


# --- Zip, written as a stream ---------------------------------------------------------------------


class _ZipStream:
    """A zip archive written front to back, without seeking: each entry's sizes follow it in a data descriptor.

    Enough for spreadsheets (no zip64: an export stays far below 4 GB). ``stored`` entries (the ODS
    ``mimetype``) carry their sizes in the local header, as OpenDocument asks.
    """

    def __init__(self) -> None:
        self.offset = 0
        self.entries: list[bytes] = []
        moment = timezone.localtime()
        self.dos_time = moment.hour << 11 | moment.minute << 5 | moment.second // 2
        self.dos_date = (moment.year - 1980) << 9 | moment.month << 5 | moment.day

    def _header(self, name: bytes, *, flags: int, method: int, crc: int, size: int, csize: int) -> bytes:
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, flags, method, self.dos_time, self.dos_date, crc, csize, size, len(name), 0
        )
        return header + name

    def _central(self, name: bytes, *, flags: int, method: int, crc: int, size: int, csize: int, offset: int) -> None:
        if offset > 0xFFFFFFFF or size > 0xFFFFFFFF:
            raise ValueError("Export trop volumineux (plus de 4 Go).")
        self.entries.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                flags,
                method,
                self.dos_time,
                self.dos_date,
                crc,
                csize,
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )

    def stored(self, filename: str, data: bytes) -> bytes:
        name = filename.encode()
        crc = zlib.crc32(data)
        local = self._header(name, flags=0, method=0, crc=crc, size=len(data), csize=len(data)) + data
        self._central(name, flags=0, method=0, crc=crc, size=len(data), csize=len(data), offset=self.offset)
        self.offset += len(local)
        return local

    def deflated(self, filename: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        name = filename.encode()
        start = self.offset
        header = self._header(name, flags=0x08, method=8, crc=0, size=0, csize=0)
        yield header
        compressor = zlib.compressobj(3, zlib.DEFLATED, -15)
        crc = size = csize = 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            out = compressor.compress(chunk)
            if out:
                csize += len(out)
                yield out
        out = compressor.flush()
        csize += len(out)
        yield out
        yield struct.pack("<IIII", 0x08074B50, crc, csize, size)
        self._central(name, flags=0x08, method=8, crc=crc, size=size, csize=csize, offset=start)
        self.offset = start + len(header) + csize + 16

    def finish(self) -> bytes:
        directory = b"".join(self.entries)
        count = len(self.entries)
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), self.offset, 0)
        return directory + end


def _xml_chunks(
    head: str, rows: Iterator[Sequence[Any]], row_xml: Callable[[int, Sequence[Any]], str], tail: str
) -> Iterator[bytes]:
    """``head``, then the rows as XML by chunks of ``CHUNK_ROWS``, then ``tail``: UTF-8 bytes."""
    yield head.encode()
    number = 1  # the header row is number 1
    while True:
        batch = list(itertools.islice(rows, CHUNK_ROWS))
        if batch:
            parts = []
            for row in batch:
                number += 1
                parts.append(row_xml(number, row))
            yield "".join(parts).encode()
        if len(batch) < CHUNK_ROWS:
            break
    yield tail.encode()


# --- XLSX (SpreadsheetML, inline strings) ---------------------------------------------------------

_XLSX_EPOCH = dt.datetime(1899, 12, 30)
_XLSX_DATE, _XLSX_DATETIME, _XLSX_HEADER = 1, 2, 3  # indexes in cellXfs below
_XLSX_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_XLSX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_XLSX_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_XLSX_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _xlsx_cell(ref: str, value: Any, style: int = 0) -> str:
    kind = _KINDS.get(type(value)) or _kind(value)
    if kind == "string":
        text = _xml_text(_guard(str(value)))
        if not text:
            return ""  # a blank cell, as for None
        styled = f' s="{style}"' if style else ""
        return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'
    if kind == "number":
        number = _number_text(value)
        if number is None:
            return _xlsx_cell(ref, str(value))
        return f'<c r="{ref}"><v>{number}</v></c>'
    if kind == "empty":
        return ""
    if kind == "bool":
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind == "datetime":
        delta = _naive(value) - _XLSX_EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return f'<c r="{ref}" s="{_XLSX_DATETIME}"><v>{serial!r}</v></c>'
    # date
    return f'<c r="{ref}" s="{_XLSX_DATE}"><v>{(value - _XLSX_EPOCH.date()).days}</v></c>'


def _iter_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> Iterator[bytes]:
    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    widths = _column_widths(headers, sample)
    width_of_rows = max([len(headers), *(len(row) for row in sample)])
    letters = _column_letters(max(width_of_rows, 1))

    def row_xml(number: int, row: Sequence[Any]) -> str:
        nonlocal letters
        if len(row) > len(letters):
            letters = _column_letters(len(row))
        cells = "".join([_xlsx_cell(f"{letters[i]}{number}", value) for i, value in enumerate(row)])
        return f'<row r="{number}">{cells}</row>'

    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width + 1}" customWidth="1"/>' for i, width in enumerate(widths, start=1)
    )
    header_cells = "".join(_xlsx_cell(f"{letters[i]}1", str(h), _XLSX_HEADER) for i, h in enumerate(headers))
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
        f'<row r="1">{header_cells}</row>'
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<bookViews><workbookView/></bookViews><sheets><sheet name="{_xml_attr(_sheet_name(title))}" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    )
    archive = _ZipStream()
    for name, text in (
        ("[Content_Types].xml", _XLSX_CONTENT_TYPES),
        ("_rels/.rels", _XLSX_ROOT_RELS),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", _XLSX_WORKBOOK_RELS),
        ("xl/styles.xml", _XLSX_STYLES),
    ):
        yield from archive.deflated(name, [text.encode()])
    yield from archive.deflated(
        "xl/worksheets/sheet1.xml",
        _xml_chunks(head, itertools.chain(sample, rows), row_xml, "</sheetData></worksheet>"),
    )
    yield archive.finish()


# --- ODS (OpenDocument spreadsheet) ---------------------------------------------------------------

_ODS_MIMETYPE = CONTENT_TYPES["ods"]
_ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'office:version="1.2"'
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{_ODS_MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
_ODS_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {_ODS_NAMESPACES}>'
    '<office:styles><style:style style:name="Default" style:family="table-cell"/></office:styles>'
    "</office:document-styles>"
)
_ODS_DAY_MONTH_YEAR = (
    '<number:day number:style="long"/><number:text>/</number:text><number:month number:style="long"/>'
    '<number:text>/</number:text><number:year number:style="long"/>'
)
# ce1 date, ce2 date and time, ce3 header (bold), ce4 boolean (VRAI / FAUX in a French LibreOffice).
_ODS_CELL_STYLES = (
    f'<number:date-style style:name="N1">{_ODS_DAY_MONTH_YEAR}</number:date-style>'
    f'<number:date-style style:name="N2">{_ODS_DAY_MONTH_YEAR}<number:text> </number:text>'
    '<number:hours number:style="long"/><number:text>:</number:text><number:minutes number:style="long"/>'
    "</number:date-style>"
    '<number:boolean-style style:name="N3"><number:boolean/></number:boolean-style>'
    '<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default" '
    'style:data-style-name="N1"/>'
    '<style:style style:name="ce2" style:family="table-cell" style:parent-style-name="Default" '
    'style:data-style-name="N2"/>'
    '<style:style style:name="ce3" style:family="table-cell" style:parent-style-name="Default">'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="ce4" style:family="table-cell" style:parent-style-name="Default" '
    'style:data-style-name="N3"/>'
)
_ODS_SPACES = re.compile(r"^ +| {2,}| +$")


def _ods_spaces(match: re.Match[str]) -> str:
    run = match.group()
    # A run inside the text keeps its first space; at either end of the paragraph, none.
    inside = match.start() > 0 and match.end() < len(match.string)
    kept, spaces = (" ", len(run) - 1) if inside else ("", len(run))
    return kept + (f'<text:s text:c="{spaces}"/>' if spaces > 1 else "<text:s/>")


def _ods_paragraphs(value: str) -> str:
    """ODF collapses white space: keep runs of spaces, tabs and line breaks (one paragraph per line)."""
    text = _xml_text(value)
    if "  " not in text and "\n" not in text and "\t" not in text and "\r" not in text and text.strip(" ") == text:
        return f"<text:p>{text}</text:p>"
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "".join(
        f"<text:p>{_ODS_SPACES.sub(_ods_spaces, line).replace(chr(9), '<text:tab/>')}</text:p>" for line in lines
    )


def _ods_cell(value: Any, style: str = "") -> str:
    kind = _KINDS.get(type(value)) or _kind(value)
    if kind == "string":
        text = str(value)
        if not text:
            return "<table:table-cell/>"  # a blank cell, as for None
        styled = f' table:style-name="{style}"' if style else ""
        paragraphs = _ods_paragraphs(_guard(text))
        return f'<table:table-cell{styled} office:value-type="string">{paragraphs}</table:table-cell>'
    if kind == "number":
        number = _number_text(value)
        if number is None:
            return _ods_cell(str(value))
        return f'<table:table-cell office:value-type="float" office:value="{number}"/>'
    if kind == "empty":
        return "<table:table-cell/>"
    if kind == "bool":
        flag = "true" if value else "false"
        return f'<table:table-cell table:style-name="ce4" office:value-type="boolean" office:boolean-value="{flag}"/>'
    if kind == "datetime":
        moment = _naive(value).replace(microsecond=0).isoformat()
        return f'<table:table-cell table:style-name="ce2" office:value-type="date" office:date-value="{moment}"/>'
    return (
        f'<table:table-cell table:style-name="ce1" office:value-type="date" office:date-value="{value.isoformat()}"/>'
    )


def _ods_row(number: int, row: Sequence[Any]) -> str:
    return f"<table:table-row>{''.join([_ods_cell(value) for value in row])}</table:table-row>"


def _iter_ods(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> Iterator[bytes]:
    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    widths = _column_widths(headers, sample)
    # About 0.2 cm per character of the default 10 pt font, plus the cell margins.
    column_styles = "".join(
        f'<style:style style:name="co{i}" style:family="table-column">'
        f'<style:table-column-properties style:column-width="{width * 0.2 + 0.2:.2f}cm"/></style:style>'
        for i, width in enumerate(widths, start=1)
    )
    columns = "".join(f'<table:table-column table:style-name="co{i}"/>' for i in range(1, len(widths) + 1))
    header_cells = "".join(_ods_cell(str(header), "ce3") for header in headers)
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODS_NAMESPACES}>'
        f"<office:automatic-styles>{_ODS_CELL_STYLES}{column_styles}</office:automatic-styles>"
        f'<office:body><office:spreadsheet><table:table table:name="{_xml_attr(_sheet_name(title))}">'
        f"{columns}<table:table-row>{header_cells}</table:table-row>"
    )
    archive = _ZipStream()
    # OpenDocument: "mimetype" first, stored (not compressed), so that the file type is readable at offset 38.
    yield archive.stored("mimetype", _ODS_MIMETYPE.encode("ascii"))
    yield from archive.deflated("META-INF/manifest.xml", [_ODS_MANIFEST.encode()])
    yield from archive.deflated("styles.xml", [_ODS_STYLES.encode()])
    yield from archive.deflated(
        "content.xml",
        _xml_chunks(
            head,
            itertools.chain(sample, rows),
            _ods_row,
            "</table:table></office:spreadsheet></office:body></office:document-content>",
        ),
    )
    yield archive.finish()


# --- Entry points -------------------------------------------------------------------------------


def iter_export(*, fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "") -> Iterator[bytes]:
    """The export in ``fmt`` (csv, xlsx or ods) as a stream of bytes, reading ``rows`` once, as it goes."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"Format d'export inconnu : « {fmt} » (formats possibles : csv, xlsx, ods).")
    headers = [str(header) for header in headers]
    if fmt == "csv":
        return _iter_csv(headers, rows)
    if fmt == "xlsx":
        return _iter_xlsx(headers, rows, title)
    return _iter_ods(headers, rows, title)


def export_content(*, fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "") -> bytes:
    """The bytes of the export in ``fmt`` (csv, xlsx or ods)."""
    return b"".join(iter_export(fmt=fmt, headers=headers, rows=rows, title=title))


def export_response(
    *,
    fmt: str,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str = "",
) -> HttpResponse | StreamingHttpResponse:
    """An HTTP download of the table ``headers`` + ``rows`` in ``fmt``, complete whatever its size.

    Up to ``STREAM_THRESHOLD`` bytes the file is answered whole (``HttpResponse``); a larger one is
    streamed as it is written (``StreamingHttpResponse``), reading ``rows`` lazily (give a
    ``queryset.iterator()`` for long lists).
    """
    chunks = iter_export(fmt=fmt, headers=headers, rows=rows, title=title or filename)
    buffered: list[bytes] = []
    size = 0
    response: HttpResponse | StreamingHttpResponse | None = None
    for chunk in chunks:
        buffered.append(chunk)
        size += len(chunk)
        if size >= STREAM_THRESHOLD:
            response = StreamingHttpResponse(itertools.chain(buffered, chunks), content_type=CONTENT_TYPES[fmt])
            break
    if response is None:
        response = HttpResponse(b"".join(buffered), content_type=CONTENT_TYPES[fmt])
    name = f"{slugify(filename) or 'export'}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
