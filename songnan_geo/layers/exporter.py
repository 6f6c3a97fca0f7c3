"""Writing a layer as GeoJSON, GeoPackage, zipped Shapefile, CSV or XLSX.

Every format is written by GDAL through pyogrio except GeoJSON (geopandas) and CSV
(pandas), always in WGS84 longitude/latitude (EPSG:4326) unless another CRS or a
Chinese datum is asked for (see :func:`songnan_geo.coords.chinacoords.from_wgs84`).

* GeoJSON: RFC 7946, UTF-8, no ``crs`` member when WGS84.
* GeoPackage: one table named after the layer.
* Shapefile (zipped): a Shapefile keeps one geometry kind, so a layer mixing lines and
  polygons (e.g. rivers) becomes one ``.shp`` per kind in the zip; field names longer
  than 10 characters (the dBase limit) are shortened to unique names and the zip's
  ``fields.csv`` maps each short name back to the full one (the importer reads it).
  Encoding UTF-8, declared in the ``.cpg`` file.
* CSV (UTF-8 with BOM, so Excel opens Chinese text correctly) and XLSX: one row per
  feature with ``lon``/``lat`` columns for point layers, a ``wkt`` column otherwise.

Pure except for a private temporary folder used by GDAL; nothing is written elsewhere.
"""
from __future__ import annotations

import csv
import io
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from songnan_geo.coords.chinacoords import from_wgs84

#: Export formats: key → (file suffix, MIME type, label).
FORMATS: dict[str, tuple[str, str, str]] = {
    "geojson": (".geojson", "application/geo+json", "GeoJSON"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3", "GeoPackage"),
    "shp": (".zip", "application/zip", "Shapefile (zip)"),
    "csv": (".csv", "text/csv", "CSV"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "Excel (XLSX)"),
}

#: Name of the field-name map inside an exported Shapefile zip (short,full per line).
SHP_FIELD_MAP = "fields.csv"
#: Columns holding the geometry in CSV/XLSX exports.
LON_COL, LAT_COL, WKT_COL = "lon", "lat", "wkt"
_SHP_KINDS = {"Point": "points", "MultiPoint": "points", "LineString": "lines",
              "MultiLineString": "lines", "Polygon": "polygons", "MultiPolygon": "polygons"}
_SUFFIX_FORMAT = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shp",
                  ".csv": "csv", ".xlsx": "xlsx"}


def format_for_path(path: str | Path) -> str:
    """Export format key from a file name's suffix (``.geojson``, ``.gpkg``, ``.zip``…)."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_FORMAT:
        raise ValueError(f"path '{path}' has suffix '{suffix}', which names no export format. "
                         f"Use one of: {', '.join(sorted(_SUFFIX_FORMAT))} (a Shapefile is "
                         "written as a .zip).")
    return _SUFFIX_FORMAT[suffix]


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"fmt '{fmt}' is not an export format. Use one of: {', '.join(FORMATS)}.")
    return fmt


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Unique dBase field names (≤ 10 characters) for ``columns``: full → short."""
    out, used = {}, set()
    for col in columns:
        short = col[:10]
        n = 1
        while short.lower() in used:
            tail = f"_{n}"
            short = col[:10 - len(tail)] + tail
            n += 1
        used.add(short.lower())
        out[col] = short
    return out


def table_with_geometry_columns(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Attribute table of ``gdf`` with ``lon``/``lat`` (all points) or ``wkt`` columns."""
    geom = gdf.geometry
    df = pd.DataFrame(gdf.drop(columns=geom.name))
    types = set(geom.dropna().geom_type)
    if types and types <= {"Point"}:
        df[LON_COL] = geom.x.round(8)
        df[LAT_COL] = geom.y.round(8)
    else:
        df[WKT_COL] = geom.to_wkt(rounding_precision=8)
    return df


def _write_shapefiles(gdf: gpd.GeoDataFrame, folder: Path, name: str) -> list[Path]:
    names = shapefile_field_names([c for c in gdf.columns if c != gdf.geometry.name])
    renamed = gdf.rename(columns=names)
    kinds = gdf.geometry.geom_type.map(_SHP_KINDS).fillna("other")
    files = []
    for kind in sorted(set(kinds)):
        part = renamed[kinds == kind]
        stem = name if kinds.nunique() == 1 else f"{name}_{kind}"
        path = folder / f"{stem}.shp"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # names are already short
            pyogrio.write_dataframe(part, path, encoding="UTF-8",
                                    promote_to_multi=kind != "points")
        files += sorted(folder.glob(f"{stem}.*"))
    with open(folder / SHP_FIELD_MAP, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["short", "full"])
        writer.writerows((short, full) for full, short in names.items())
    return files + [folder / SHP_FIELD_MAP]


def export_layer(gdf: gpd.GeoDataFrame, fmt: str, name: str = "layer",
                 target: str = "wgs84") -> bytes:
    """The bytes of layer ``gdf`` written as ``fmt``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, in any CRS (a missing CRS is an error).
    fmt : {"geojson", "gpkg", "shp", "csv", "xlsx"}
        See :data:`FORMATS`. "shp" gives a zip.
    name : str
        Layer/table/file stem inside the output (GPKG table, Shapefile names, sheet).
    target : str, default "wgs84"
        Coordinates of the output: a datum ('wgs84', 'gcj02', 'bd09') or a pyproj CRS
        such as 'EPSG:4490' or 'EPSG:4549' (see :func:`chinacoords.parse_coord_system`).
    """
    _check_format(fmt)
    out = from_wgs84(gdf, target, "gdf")
    if fmt == "geojson":
        return out.to_json(drop_id=True, ensure_ascii=False, indent=None).encode("utf-8")
    if fmt == "csv":
        return table_with_geometry_columns(out).to_csv(index=False).encode("utf-8-sig")
    with tempfile.TemporaryDirectory(prefix="songnan-export-") as tmp:
        folder = Path(tmp)
        if fmt == "gpkg":
            path = folder / f"{name}.gpkg"
            pyogrio.write_dataframe(out, path, layer=name, driver="GPKG")
            return path.read_bytes()
        if fmt == "xlsx":
            path = folder / f"{name}.xlsx"
            pyogrio.write_dataframe(table_with_geometry_columns(out), path, layer=name[:31],
                                    driver="XLSX")
            return path.read_bytes()
        files = _write_shapefiles(out, folder, name)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f.name)
        return buf.getvalue()


def write_layer(gdf: gpd.GeoDataFrame, path: str | Path, fmt: str | None = None,
                target: str = "wgs84") -> Path:
    """Write ``gdf`` to ``path`` (format from its suffix unless ``fmt``); see :func:`export_layer`.

    The file is written next to ``path`` under a temporary name and renamed into place,
    so a failed export never leaves a half-written file.
    """
    path = Path(path)
    fmt = _check_format(fmt) if fmt else format_for_path(path)
    data = export_layer(gdf, fmt, path.stem, target)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
