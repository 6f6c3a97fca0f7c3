"""Tables a spreadsheet opens as text: CSV and XLSX writers that neutralise formulas.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
for a formula by Excel, WPS and LibreOffice when the file is opened ("CSV injection",
OWASP). Every CSV and XLSX the package writes goes through this module:

* CSV: such text gets a leading single quote (``'=1+1``), the OWASP way; spreadsheets show
  the rest as text.
* XLSX: such text is written unchanged as a string cell (data type ``s``) with the
  "quote prefix" style, so the workbook holds no formula and shows the text as given.

Numbers (int, float, numpy numbers) stay numbers. Column names are cells too and are
treated the same way. No I/O beyond building the bytes; no streamlit.
"""
from __future__ import annotations

import io

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    """Whether ``value`` is text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value):
    """``value`` safe for a CSV cell: formula-like text prefixed with ``'``; others as given."""
    return "'" + value if is_formula_like(value) else value


def neutralised_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and column names are :func:`neutralise`-d.

    Only columns holding text (object or string dtype) are touched; numeric, boolean and
    date columns keep their dtype.
    """
    out = table.copy()
    out.columns = [neutralise(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            values = col.tolist()
            if any(is_formula_like(v) for v in values):
                out.isetitem(i, pd.Series([neutralise(v) for v in values], index=out.index,
                                          dtype=object))
    return out


def table_csv(table: pd.DataFrame, *, bom: bool = True) -> bytes:
    """``table`` as CSV bytes in UTF-8 (with a byte-order mark unless ``bom`` is False, so
    Excel shows Chinese text correctly), formula-like text neutralised."""
    # RFC 4180 line ends: a cell holding a carriage return is then quoted, not split
    text = neutralised_table(table).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig" if bom else "utf-8")


def protect_workbook(wb) -> int:
    """Make every formula-like text cell of openpyxl workbook ``wb`` a plain string cell
    with the quote-prefix style (in place); return how many cells were changed."""
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if is_formula_like(value):
                    cell.data_type = "s"  # openpyxl made it a formula ('f')
                    cell.quotePrefix = True
                    changed += 1
    return changed


def tables_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per table (names cut to Excel's 31 characters);
    formula-like text is stored as text (see :func:`protect_workbook`)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name[:31], index=False)
        protect_workbook(xw.book)
    return buf.getvalue()


def table_xlsx(table: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    """One table as an XLSX workbook; see :func:`tables_xlsx`."""
    return tables_xlsx({sheet: table})
