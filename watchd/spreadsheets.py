"""Reading an uploaded table (CSV or XLSX): the one reader behind every import (pairings, the duty roster).

CSV may be UTF-8 (with or without BOM) or GB18030 (what Excel saves on Chinese Windows, a superset of
GBK), separated by commas, semicolons or tabs. XLSX: the first sheet, or the first whose name contains
`sheet_hint`. `read_table` gives every line with its spreadsheet row number and the cells as they are
(XLSX keeps numbers and dates); `read_sheet` takes the first non-empty row as the header and gives the
rows below it as text keyed by the normalised header. Problems raise `SheetUnreadable` with a stable
`code` (empty, too_large, too_many_rows, not_a_table) and an English message.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

HEADER_ROWS = 10  # lines above the data a table may have (titles, the header) beyond `max_rows`
DELIMITERS = ",;\t"

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


def cell_text(value: object) -> str:
    """A cell as the person sees it: 1001 (not 1001.0), 是/否, dates in ISO form; stripped."""
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


def read_table(
    filename: str, data: bytes, *, max_bytes: int, max_rows: int, sheet_hint: str | None = None
) -> list[tuple[int, list[object]]]:
    """(spreadsheet row number, cells) of every line, blank ones included; at most `max_rows` data rows
    plus `HEADER_ROWS` lines above them."""
    if len(data) > max_bytes:
        raise SheetUnreadable("too_large", f"the file is larger than {max_bytes} bytes")
    if not data:
        raise SheetUnreadable("empty", "the file is empty")
    limit = max_rows + HEADER_ROWS
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(data, limit, sheet_hint)
    return _csv_rows(data, limit)


def read_sheet(filename: str, data: bytes, *, max_bytes: int, max_rows: int) -> list[SheetRow]:
    """The rows below the header (the first non-empty row) as text; blank rows are skipped."""
    table = read_table(filename, data, max_bytes=max_bytes, max_rows=max_rows)
    texts = [(number, [cell_text(c) for c in cells]) for number, cells in table]
    header_at = next((i for i, (_, cells) in enumerate(texts) if any(cells)), None)
    if header_at is None:
        raise SheetUnreadable("no_header", "the table has no header row")
    keys = [normalise_header(h) for h in texts[header_at][1]]
    rows = []
    for number, cells in texts[header_at + 1 :]:
        if not any(cells):
            continue
        rows.append(SheetRow(number, {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys) if k}))
        if len(rows) > max_rows:
            raise SheetUnreadable("too_many_rows", f"at most {max_rows} rows per file")
    return rows


def _too_many(limit: int) -> SheetUnreadable:
    return SheetUnreadable("too_many_rows", f"at most {limit - HEADER_ROWS} rows per file")


def _csv_rows(data: bytes, limit: int) -> list[tuple[int, list[object]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise SheetUnreadable("not_a_table", "the file is neither UTF-8 nor GB18030 text")
    if "\x00" in text:
        raise SheetUnreadable("not_a_table", "the file is not a CSV or XLSX table")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    rows: list[tuple[int, list[object]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if number > limit:
                raise _too_many(limit)
            rows.append((number, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise SheetUnreadable("not_a_table", f"CSV error on line {reader.line_num}: {exc}") from None
    return rows


def _delimiter(text: str) -> str:
    """The separator the sample is consistently split by (csv.Sniffer); else the commonest on the first line."""
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = text.split("\n", 1)[0]
        return max(DELIMITERS, key=first.count)


def _xlsx_rows(data: bytes, limit: int, sheet_hint: str | None) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetUnreadable("not_a_table", f"not a readable XLSX file: {exc}") from None
    try:
        hinted = (book[n] for n in book.sheetnames if sheet_hint and sheet_hint in n)
        sheet = next(hinted, book.worksheets[0])
        rows: list[tuple[int, list[object]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > limit:
                raise _too_many(limit)
            rows.append((number, list(values)))
        return rows
    finally:
        book.close()
