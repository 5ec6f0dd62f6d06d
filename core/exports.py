"""One tabular export helper for every list of Socle: CSV (French spreadsheet flavour), XLSX and ODS.

The CSV opens correctly in a French spreadsheet: ``;`` separator, UTF-8 with a byte order mark,
decimal comma, dates as « jj/mm/aaaa ». XLSX and ODS keep numbers and dates typed.

A view exports its list with::

    fmt = export_format(request)
    if fmt:
        return export_response(fmt=fmt, filename="etablissements", headers=[...], rows=[...])
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import tablib
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.text import slugify

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
EXPORT_FORMATS = tuple(CONTENT_TYPES)
SPREADSHEET_FORMATS = ("xlsx", "ods")
# Building XLSX and above all ODS (odfpy) is slow: beyond this, CSV only (a national list is ≈ 60,000 rows).
SPREADSHEET_MAX_ROWS = 5000
BOM = "\ufeff"


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


def _sheet_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        # Spreadsheets have no time zones: write the local (Paris) time.
        return timezone.make_naive(value)
    return _guard(value)


def build_dataset(*, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "") -> tablib.Dataset:
    dataset = tablib.Dataset(headers=list(headers), title=(title or "Export")[:31])
    for row in rows:
        dataset.append(list(row))
    return dataset


def export_content(*, fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "") -> bytes:
    """The bytes of the export in ``fmt`` (csv, xlsx or ods)."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"Format d'export inconnu : « {fmt} » (formats possibles : csv, xlsx, ods).")
    if fmt == "csv":
        # The csv module directly: the same output as tablib's, several times faster on national lists.
        buffer = io.StringIO()
        buffer.write(BOM)
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows([_csv_cell(value) for value in row] for row in rows)
        return buffer.getvalue().encode("utf-8")
    cells = ([_sheet_cell(value) for value in row] for row in rows)
    dataset = build_dataset(headers=headers, rows=cells, title=title)
    return dataset.export(fmt)


def too_large(fmt: str, total: int) -> str | None:
    """Why an export of ``total`` rows in ``fmt`` is refused (spreadsheet formats are slow to build), or None."""
    if fmt in SPREADSHEET_FORMATS and total > SPREADSHEET_MAX_ROWS:
        return (
            f"L'export {fmt.upper()} est limité à {SPREADSHEET_MAX_ROWS:_} lignes et cette liste en compte "
            f"{total:_} : choisissez le format CSV ou affinez la liste."
        ).replace("_", "\u202f")
    return None


def export_response(
    *,
    fmt: str,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str = "",
    request: HttpRequest | None = None,
    total: int | None = None,
) -> HttpResponse:
    """An HTTP download of the table ``headers`` + ``rows`` in ``fmt``.

    With ``request`` and ``total``, a spreadsheet export over ``SPREADSHEET_MAX_ROWS`` rows is refused:
    the user is sent back to the list (same address without ``format``) with the reason.
    """
    if request is not None and total is not None:
        reason = too_large(fmt, total)
        if reason:
            messages.error(request, reason)
            params = request.GET.copy()
            params.pop("format", None)
            return HttpResponseRedirect(request.path + (f"?{params.urlencode()}" if params else ""))
    content = export_content(fmt=fmt, headers=headers, rows=rows, title=title or filename)
    name = f"{slugify(filename) or 'export'}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
