"""CSV export: UTF-8 with a byte-order mark so Excel on Chinese Windows opens it correctly."""

from __future__ import annotations

import csv
import io

from watchd.reports.table import ReportTable


def to_csv(table: ReportTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
