"""CSV and XLSX exports open as text in a spreadsheet: no cell becomes a formula (OWASP CSV
injection), numbers stay numbers. Read back with openpyxl and Python's csv reader."""
from __future__ import annotations

import csv
import io

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from songnan_geo.cli import coverage as cli_coverage
from songnan_geo.layers.exporter import export_layer
from songnan_geo.layers.spreadsheet import neutralise, table_csv, tables_xlsx
from songnan_geo.reports import tracker

HOSTILE = ['=HYPERLINK("http://example.invalid/x","点此")', "+1+1", "-2+3", "@SUM(A1:A2)",
           "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0"]
PLAIN = ["淞南镇社区卫生服务中心", "a=b", "3-4号楼"]


def _frame() -> pd.DataFrame:
    names = HOSTILE + PLAIN
    return pd.DataFrame({"name": names, "count": list(range(-3, len(names) - 3)),
                         "area_m2": [1.5 * i - 2 for i in range(len(names))]})


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _check_csv(data: bytes, names_col: int = 0) -> None:
    rows = _csv_rows(data)
    names = [r[names_col] for r in rows[1:]]
    assert names == ["'" + h for h in HOSTILE] + PLAIN
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for r in rows for i, cell in enumerate(r) if i == names_col)


def _check_xlsx(data: bytes, names_col: int = 1) -> None:
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [row[names_col - 1] for row in ws.iter_rows(min_row=2)]
    # shown literally (XML reads a carriage return back as a line feed)
    assert [c.value for c in cells] == [v.replace("\r", "\n") for v in HOSTILE + PLAIN]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula ('f')
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_neutralise_prefixes_only_formula_text():
    assert [neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [neutralise(v) for v in PLAIN] == PLAIN
    assert neutralise(-5) == -5 and neutralise(2.5) == 2.5 and neutralise(None) is None


def test_table_csv_numbers_stay_numbers():
    rows = _csv_rows(table_csv(_frame()))
    _check_csv(table_csv(_frame()))
    assert [r[1] for r in rows[1:4]] == ["-3", "-2", "-1"]  # negative numbers unquoted
    assert rows[1][2] == "-2.0"


def test_tables_xlsx_formula_text_is_text_numbers_numeric():
    data = tables_xlsx({"表": _frame()})
    _check_xlsx(data)
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    counts = [row[1] for row in ws.iter_rows(min_row=2)]
    assert counts[0].value == -3 and counts[0].data_type == "n"
    assert [row[0].quotePrefix for row in ws.iter_rows(min_row=2, max_row=len(HOSTILE) + 1)] \
        == [True] * len(HOSTILE)


def test_column_names_are_neutralised_too():
    df = pd.DataFrame({"=1+1": ["x"], "ok": [1]})
    assert _csv_rows(table_csv(df))[0] == ["'=1+1", "ok"]
    ws = openpyxl.load_workbook(io.BytesIO(tables_xlsx({"s": df}))).worksheets[0]
    assert ws.cell(1, 1).value == "=1+1" and ws.cell(1, 1).data_type == "s"


@pytest.fixture
def layer() -> gpd.GeoDataFrame:
    df = _frame()
    return gpd.GeoDataFrame(df, geometry=[shapely.Point(121.45 + i * 1e-3, 31.35)
                                          for i in range(len(df))], crs="EPSG:4326")


def test_layer_export_csv_and_xlsx(layer):
    _check_csv(export_layer(layer, "csv", "t"))
    rows = _csv_rows(export_layer(layer, "csv", "t"))
    assert rows[1][1] == "-3" and float(rows[1][3]) == pytest.approx(121.45)
    _check_xlsx(export_layer(layer, "xlsx", "t"))
    ws = openpyxl.load_workbook(io.BytesIO(export_layer(layer, "xlsx", "t"))).worksheets[0]
    assert ws.cell(2, 2).value == -3 and ws.cell(2, 2).data_type == "n"


def test_tracker_report_writers():
    _check_csv(tracker.table_csv(_frame()))
    _check_xlsx(tracker.tables_xlsx({"项目": _frame()}))


def test_coverage_command_writers(tmp_path, layer):
    table = layer.drop(columns=layer.geometry.name)   # the command writes tables without geometry
    cli_coverage._table(table, str(tmp_path / "c.csv"))
    _check_csv((tmp_path / "c.csv").read_bytes())
    cli_coverage._table(table, str(tmp_path / "c.xlsx"))
    _check_xlsx((tmp_path / "c.xlsx").read_bytes())
