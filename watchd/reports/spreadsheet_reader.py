"""Reading an uploaded table (CSV or XLSX) into rows keyed by header, with spreadsheet row numbers.

CSV may be UTF-8 (with or without BOM) or GB18030 (what Excel saves on Chinese Windows), comma
or tab separated. XLSX: the first sheet; the first non-empty row is the header.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

MAX_ROWS = 20_000


class SheetUnreadable(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class SheetRow:
    number: int  # as the spreadsheet program shows it (the header is row 1 when it is the first line)
    values: dict[str, str]  # normalised header -> cell text


def normalise_header(text: str) -> str:
    """Lower-case, without spaces, brackets or the usual decorations, so 嘎查（村） equals 嘎查村."""
    out = text.strip().lower()
    for ch in " \t\u3000()（）[]【】*:：":
        out = out.replace(ch, "")
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_sheet(filename: str, data: bytes) -> list[SheetRow]:
    """Rows below the header; blank rows are skipped. Raise SheetUnreadable with a reason."""
    if not data:
        raise SheetUnreadable("empty", "the file is empty")
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        table = _xlsx_rows(data)
    else:
        table = _csv_rows(data)
    header_at = next((i for i, (_, cells) in enumerate(table) if any(cells)), None)
    if header_at is None:
        raise SheetUnreadable("no_header", "the table has no header row")
    header = table[header_at][1]
    keys = [normalise_header(h) for h in header]
    rows = []
    for number, cells in table[header_at + 1 :]:
        if not any(cells):
            continue
        values = {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys) if k}
        rows.append(SheetRow(number, values))
        if len(rows) > MAX_ROWS:
            raise SheetUnreadable("too_many_rows", f"at most {MAX_ROWS} rows per file")
    return rows


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise SheetUnreadable("bad_encoding", "the file is neither UTF-8 nor GB18030 text")
    if "\x00" in text:
        raise SheetUnreadable("not_a_table", "the file is not a CSV or XLSX table")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return [(reader.line_num, [c.strip() for c in cells]) for cells in reader]
    except csv.Error as exc:
        raise SheetUnreadable("not_a_table", f"CSV error on line {reader.line_num}: {exc}") from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    import openpyxl  # type: ignore[import-untyped, unused-ignore]

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetUnreadable("not_a_table", f"not a readable XLSX file: {exc}") from None
    try:
        sheet = book.worksheets[0]
        out = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            out.append((number, [_cell(v) for v in row]))
            if number > MAX_ROWS + 10:
                raise SheetUnreadable("too_many_rows", f"at most {MAX_ROWS} rows per file")
        return out
    finally:
        book.close()
