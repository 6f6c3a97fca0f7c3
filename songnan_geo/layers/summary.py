"""How much of each layer there is: feature counts, areas and lengths.

Areas and lengths are measured in the town's metric CRS (:data:`TOWN_CRS`), never in degrees.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from songnan_geo.coords.crs import area_m2, length_m
from songnan_geo.text.i18n import layer_title, t
from songnan_geo.text.safe_text import markdown_text

_POLY = {"Polygon", "MultiPolygon"}
_LINE = {"LineString", "MultiLineString"}


def layer_summary(layers: dict[str, gpd.GeoDataFrame], manifest: dict, lang: str = "zh"
                  ) -> pd.DataFrame:
    """One row per layer: title, feature count, estimated count, area (km²), length (km).

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        Layers in any CRS (usually EPSG:4326 as loaded); each is measured in TOWN_CRS.
    manifest : dict
        The data manifest (``songnan_geo.layers.io.read_manifest()``), for titles and order.
    lang : {'zh', 'en'}

    Returns
    -------
    pandas.DataFrame
        Columns: layer (name), title, features, estimated, area_km2 (sum over polygon
        features, overlaps counted twice; NaN for other layers), length_km (sum over
        line features; NaN otherwise).
    """
    rows = []
    for name, info in manifest["layers"].items():
        if name not in layers:
            continue
        gdf = layers[name]
        types = set(gdf.geom_type.dropna())
        poly, line = gdf[gdf.geom_type.isin(_POLY)], gdf[gdf.geom_type.isin(_LINE)]
        rows.append({
            "layer": name,
            "title": layer_title(info, lang),
            "features": len(gdf),
            "estimated": int(gdf["estimated"].sum()) if "estimated" in gdf else 0,
            "area_km2": round(float(area_m2(poly).sum()) / 1e6, 2) if types & _POLY else float("nan"),
            "length_km": round(float(length_m(line).sum()) / 1e3, 2) if types & _LINE else float("nan"),
        })
    df = pd.DataFrame(rows, columns=["layer", "title", "features", "estimated", "area_km2", "length_km"])
    return df


def summary_labels(lang: str = "zh") -> dict[str, str]:
    """Column headers of :func:`layer_summary` in ``lang``, for display."""
    return {"title": t("layers", lang), "features": t("features", lang),
            "estimated": t("estimated_count", lang), "area_km2": t("area_km2", lang),
            "length_km": t("length_km", lang), "size": t("size", lang)}


def summary_lines(summary: pd.DataFrame, manifest: dict, lang: str = "zh") -> list[str]:
    """The sidebar's layer summary as short Markdown lines, one per layer of the town.

    Reference layers (manifest ``group`` "context", e.g. the surrounding districts' outlines)
    are left out: their area is not the town's. Each line: the title, the feature count, how
    many are estimated, and the area (km²) or length (km). Titles are escaped (they come from
    the data, which editors can import).
    """
    lines = []
    for r in summary.itertuples(index=False):
        if manifest["layers"].get(r.layer, {}).get("group") == "context":
            continue
        parts = [t("sum_count_one" if r.features == 1 else "sum_count", lang).format(n=r.features)]
        if r.estimated:
            parts.append(t("sum_estimated", lang).format(n=r.estimated))
        if pd.notna(r.area_km2):
            parts.append(f"{r.area_km2:,.2f} km²")
        elif pd.notna(r.length_km):
            parts.append(f"{r.length_km:,.1f} km")
        lines.append(f"**{markdown_text(r.title)}**  \n{' · '.join(parts)}")
    return lines
