"""XLSX export ready to print: title and period on top, bold framed headers repeated on every page,
A4 landscape fitted to the page width, page numbers in the footer."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped, unused-ignore]
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side  # type: ignore[import-untyped, unused-ignore]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

from watchd.reports.table import Kind, ReportTable

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_FORMATS = {Kind.int: "0", Kind.number: "0.0#", Kind.money: "#,##0.00", Kind.text: "@"}
_FONT = "宋体"


def _clean(value: object) -> object:
    """XLSX cannot hold control characters; a name typed with one must not make the report fail."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _body_style(book: Workbook, kind: Kind, wrap: bool = False) -> str:
    """A named style per column kind: one style record instead of a font and border on every cell."""
    name = f"watchd-{kind.value}" + ("-wrap" if wrap else "")
    if name not in book.named_styles:
        style = NamedStyle(name=name, font=Font(name=_FONT, size=10), border=_BORDER)
        if wrap:
            style.alignment = Alignment(wrap_text=True, vertical="top")
        if kind is not Kind.text:
            style.number_format = _FORMATS[kind]
        book.add_named_style(style)
    return name


def to_xlsx(tables: Sequence[ReportTable]) -> bytes:
    book = Workbook()
    for sheet in list(book.worksheets):  # the empty default sheet
        book.remove(sheet)
    for table in tables:
        _sheet(book, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Workbook, table: ReportTable) -> None:
    ws = book.create_sheet(table.sheet[:31])
    width = len(table.columns)
    last_col = get_column_letter(width)
    ws.append([_clean(table.title)])
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"].font = Font(name=_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    ws.append([_clean(table.subtitle)])
    ws.merge_cells(f"A2:{last_col}2")
    ws["A2"].font = Font(name=_FONT, size=10)
    ws["A2"].alignment = Alignment(horizontal="center")
    ws.append([_clean(c.header) for c in table.columns])
    head_font = Font(name=_FONT, size=10, bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cell in ws[3]:
        cell.font, cell.fill, cell.border, cell.alignment = head_font, _HEAD_FILL, _BORDER, center
    ws.row_dimensions[3].height = 30
    styles = [_body_style(book, c.kind, c.wrap) for c in table.columns]
    row_number = 3
    for row in table.rows:
        row_number += 1
        for column, (value, style) in enumerate(zip(row, styles, strict=False), start=1):
            ws.cell(row_number, column, _clean(value)).style = style
    for note in table.notes:
        row_number += 1
        ws.cell(row_number, 1, _clean(note)).font = Font(name=_FONT, size=9, italic=True)
    for i, col in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width + 2
    ws.freeze_panes = "A4"
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
