"""How much of each layer there is: feature counts, areas and lengths.

Areas and lengths are measured in the town's metric CRS (:data:`TOWN_CRS`), never in degrees.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from songnan_geo.coords.crs import area_m2, length_m
from songnan_geo.text.i18n import layer_title, t

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
