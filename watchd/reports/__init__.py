"""Reports: daily attendance, monthly summary, pairing compliance; as tables for pages, XLSX and CSV."""
