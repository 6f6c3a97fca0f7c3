"""The static map of a briefing: the site and its surroundings, drawn without tiles.

:func:`draw_site_map` draws, in the town's metric CRS (:data:`songnan_geo.coords.crs.TOWN_CRS`,
metres, grid north = true north to within 0.01° here because the CRS is centred on the town),
every layer of the manifest in its drawing order — district outlines, town boundary, rivers,
一心三线 zones, residential areas, roads, parcels, metro lines and stations, carrier parks,
facilities — with the styles of :func:`songnan_geo.maps.styles.feature_style` (the same colours as
the web map), the site highlighted in :data:`HIGHLIGHT` with a dashed ring at the neighbour
radius, station names, a scale bar (matplotlib-scalebar, exact because the axes are metres)
and a north arrow. It needs no tiles and no network; Chinese labels use the CJK font found
by :func:`cjk_font_path`. An online basemap is optional (``basemap=``): its tiles are drawn
under the layers when reachable within a few seconds, and left out otherwise.

The result, :class:`MapImage`, carries the PNG and the mapping from TOWN_CRS coordinates to
image pixels (:meth:`MapImage.to_pixel`), so a caller (or a test) can tell where the site is in
the picture. Matplotlib is used through :class:`matplotlib.figure.Figure` with the Agg canvas
(no pyplot state), so it is safe inside Streamlit's threads.
"""
from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath
from matplotlib_scalebar.scalebar import ScaleBar
from PIL import Image
from pyproj import Transformer
from shapely.geometry import box

from songnan_geo.briefing.facts import NEIGHBOUR_RADIUS_M, SITE_LAYERS, get_site
from songnan_geo.coords.chinacoords import gcj02_to_wgs84, wgs84_to_gcj02
from songnan_geo.coords.crs import TOWN_CRS, to_town_crs
from songnan_geo.maps.basemaps import BASEMAPS, basemap_key
from songnan_geo.maps.styles import feature_style
from songnan_geo.maps.tiles import TilesUnavailable, fetch_mosaic, mercator_to_lonlat, zoom_for
from songnan_geo.text import i18n
from songnan_geo.text.safe_text import plot_text

#: Environment variable naming a TTF/TTC font file with Chinese glyphs.
CJK_FONT_ENV = "SONGNAN_CJK_FONT"

#: Fonts tried in order when ``$SONGNAN_CJK_FONT`` is not set (Debian package paths).
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",     # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",       # fonts-wqy-zenhei
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
)

#: Colour of the briefed site on the map (used by no layer style).
HIGHLIGHT = "#ff00cc"

#: Colour of the dashed ring at the neighbour radius around the site.
RING_COLOR = "#333333"

_TO_LONLAT = Transformer.from_crs(TOWN_CRS, 4326, always_xy=True)
_TO_TOWN = Transformer.from_crs(4326, TOWN_CRS, always_xy=True)

# Layers are drawn at zorder 1–2.x in manifest order; points of every layer are lifted above
# all areas and lines (and above the site's fill, drawn at this zorder).
_POINTS_ABOVE = 5

# Leaflet styles are in screen pixels at 96 dpi; matplotlib line widths are points (1/72 in).
_PX_TO_PT = 72 / 96


class CJKFontMissingError(FileNotFoundError):
    """No font with Chinese glyphs was found; the message names the fix."""


def cjk_font_path(path: str | os.PathLike | None = None) -> Path:
    """Path of the CJK font: ``path``, else ``$SONGNAN_CJK_FONT``, else a Debian font.

    Raises
    ------
    CJKFontMissingError
        When the given or configured file does not exist, or no candidate is installed.
    """
    given = path or os.environ.get(CJK_FONT_ENV)
    if given:
        p = Path(given)
        if not p.is_file():
            src = "font_path" if path else f"${CJK_FONT_ENV}"
            raise CJKFontMissingError(
                f"{src} is '{given}', which is not a font file. Point it at a TTF/TTC font with "
                "Chinese glyphs, or unset it to use Debian's WenQuanYi Micro Hei "
                "(apt-get install fonts-wqy-microhei).")
        return p
    for cand in CJK_FONT_CANDIDATES:
        if Path(cand).is_file():
            return Path(cand)
    raise CJKFontMissingError(
        "No font with Chinese glyphs found (tried " + ", ".join(CJK_FONT_CANDIDATES) + "). "
        "Install Debian's package with: apt-get install -y --no-install-recommends "
        f"fonts-wqy-microhei — or set {CJK_FONT_ENV} to a TTF/TTC font file with Chinese glyphs.")


@lru_cache(maxsize=4)
def _font_properties(path: str) -> font_manager.FontProperties:
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path)


@dataclass(frozen=True)
class MapImage:
    """A rendered map: PNG bytes and where TOWN_CRS coordinates fall in the image.

    ``extent`` is ``(xmin, ymin, xmax, ymax)`` of the map frame in TOWN_CRS metres;
    ``frame_px`` is ``(left, top, right, bottom)`` of the map frame in image pixels
    (origin top-left, rows down). ``basemap_attribution`` is set when online tiles were
    drawn under the layers; ``tiles_error`` says why an online basemap asked for was not.
    """

    png: bytes
    width_px: int
    height_px: int
    extent: tuple[float, float, float, float]
    frame_px: tuple[float, float, float, float]
    dpi: float
    basemap_attribution: str | None = None   # plain text, when tiles were drawn
    tiles_error: str | None = None           # why an online basemap was not drawn
    data_attribution: str | None = None      # plain text: the manifest attributions of the layers drawn
    legend_px: tuple[float, float, float, float] | None = None  # legend box (x0, y0, x1, y1), y down

    def to_pixel(self, x: float, y: float) -> tuple[float, float]:
        """Image pixel ``(column, row)`` of TOWN_CRS point ``(x, y)`` (metres)."""
        xmin, ymin, xmax, ymax = self.extent
        left, top, right, bottom = self.frame_px
        return (left + (x - xmin) / (xmax - xmin) * (right - left),
                top + (ymax - y) / (ymax - ymin) * (bottom - top))


def _mpl_style(st: dict, kind: str) -> dict:
    """Matplotlib keyword arguments for a Leaflet style from ``feature_style``."""
    lw = float(st.get("weight", 2)) * _PX_TO_PT
    dash = st.get("dashArray")
    ls = (0, tuple(float(v) for v in dash.replace(",", " ").split())) if dash else "-"
    if kind == "line":
        return {"color": st["color"], "linewidth": lw, "linestyle": ls}
    if kind == "point":
        r = float(st.get("radius", 6))
        return {"color": st["fillColor"] if st.get("fill") else "none",
                "edgecolor": st["color"], "linewidth": max(lw, 0.5),
                "markersize": (2 * r * _PX_TO_PT) ** 2 * 0.6}
    fill = st.get("fillColor") if st.get("fill") else None
    return {"facecolor": to_rgba(fill, st.get("fillOpacity", 0.2)) if fill else "none",
            "edgecolor": st["color"], "linewidth": lw, "linestyle": ls}


def _kind(geom_type: str) -> str:
    if geom_type in ("Point", "MultiPoint"):
        return "point"
    if geom_type in ("LineString", "MultiLineString"):
        return "line"
    return "area"


def _path(geom) -> MplPath:
    """A matplotlib path of a (Multi)Polygon: every ring, holes included."""
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    return MplPath.make_compound_path(*[
        MplPath(np.asarray(ring.coords)[:, :2], closed=True)
        for poly in polys for ring in [poly.exterior, *poly.interiors]])


def _lines(geom) -> list:
    parts = geom.geoms if geom.geom_type == "MultiLineString" else [geom]
    return [np.asarray(part.coords)[:, :2] for part in parts]


def _draw_geoms(ax, geoms, kind: str, style: dict, zorder: float) -> None:
    """Add ``geoms`` (TOWN_CRS) to ``ax`` as one collection (no figure redraw)."""
    if kind == "point":
        ax.scatter([g.x for g in geoms], [g.y for g in geoms], s=style["markersize"],
                   c=style["color"], edgecolors=style["edgecolor"],
                   linewidths=style["linewidth"], zorder=zorder + _POINTS_ABOVE)
    elif kind == "line":
        segs = [seg for g in geoms for seg in _lines(g)]
        ax.add_collection(LineCollection(segs, colors=style["color"], linewidths=style["linewidth"],
                                         linestyles=[style["linestyle"]], zorder=zorder,
                                         capstyle="round", joinstyle="round"))
    else:
        ax.add_collection(PathCollection(
            [_path(g) for g in geoms], facecolors=style["facecolor"],
            edgecolors=style["edgecolor"], linewidths=style["linewidth"],
            linestyles=[style["linestyle"]], zorder=zorder))


def _draw_layer(ax, name: str, gdf: gpd.GeoDataFrame, info: dict, zorder: float) -> None:
    """Draw one layer (TOWN_CRS) with its manifest styles, grouping equal styles."""
    groups: dict[tuple, list] = {}
    for props, geom in zip(gdf.drop(columns="geometry").to_dict("records"), gdf.geometry):
        if geom is None or geom.is_empty:
            continue
        kind = _kind(geom.geom_type)
        st = feature_style(info, props, geom.geom_type, name)
        groups.setdefault((kind, tuple(sorted(st.items()))), []).append(geom)
    for (kind, items), geoms in groups.items():
        _draw_geoms(ax, geoms, kind, _mpl_style(dict(items), kind), zorder)


def _frame(bounds, margin_m: float, aspect: float) -> tuple[float, float, float, float]:
    """A frame around ``bounds`` + ``margin_m`` with width/height = ``aspect``."""
    xmin, ymin, xmax, ymax = bounds
    xmin, ymin, xmax, ymax = xmin - margin_m, ymin - margin_m, xmax + margin_m, ymax + margin_m
    w, h = xmax - xmin, ymax - ymin
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def draw_site_map(layers: Mapping[str, gpd.GeoDataFrame], manifest: dict, site_id: str, *,
                  lang: str = "zh", dpi: float = 110, size_in: tuple[float, float] = (7.0, 5.6),
                  ring_m: float = NEIGHBOUR_RADIUS_M, margin_m: float | None = None,
                  font_path: str | os.PathLike | None = None, basemap: str = "blank",
                  tile_source: dict | None = None) -> MapImage:
    """Draw the map of one site and its surroundings as a PNG, without tiles.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        The layers as loaded (EPSG:4326); drawn in TOWN_CRS.
    manifest : dict
        The data manifest (drawing order, titles and styles).
    site_id : str
        A parcel, carrier park or zone id (see :func:`songnan_geo.briefing.facts.list_sites`).
    lang : {'zh', 'en'}
        Language of the legend and labels.
    dpi : float
        Image resolution; the image is ``size_in`` × ``dpi`` pixels.
    size_in : (float, float)
        Figure width and height in inches (map frame plus legend below it).
    ring_m : float
        Radius (metres) of the dashed ring drawn around the site; 0 for none.
    margin_m : float, optional
        Space (metres) around the site's bounds; default ``ring_m`` + 150 m, so the ring
        shows whole.
    font_path : path, optional
        CJK font file; default :func:`cjk_font_path`.
    basemap : str
        A key of :data:`songnan_geo.maps.basemaps.BASEMAPS`. 'blank' (default) draws no tiles and
        touches no network; an online basemap's tiles are fetched (:mod:`songnan_geo.maps.tiles`,
        a few seconds at most) and drawn under the layers, or, when unreachable, left out and
        the reason returned in ``MapImage.tiles_error``.
    tile_source : dict, optional
        A tile source shaped like a BASEMAPS entry (``tiles``, optional ``labels``,
        ``subdomains``, ``datum``, ``attr``, ``max_zoom``, ``tk`` for a ``{tk}`` key), e.g. an
        intranet tile server; overrides ``basemap``.

    Returns
    -------
    MapImage
    """
    if lang not in i18n.LANGS:
        raise ValueError(f"lang '{lang}' is not supported. Use one of: {', '.join(i18n.LANGS)}.")
    fprops = _font_properties(str(cjk_font_path(font_path)))
    ref, _ = get_site(layers, site_id)
    site_gdf = layers[SITE_LAYERS[ref.kind]]
    site = to_town_crs(site_gdf[site_gdf["id"] == site_id], "site")
    geom = site.geometry.iloc[0]
    if margin_m is None:
        margin_m = ring_m + 150.0

    fig = Figure(figsize=size_in, dpi=dpi)
    FigureCanvasAgg(fig)
    legend_h = 0.16   # the band under the map for the legend (up to 4 rows at 7 pt)
    ax = fig.add_axes((0.01, legend_h, 0.98, 0.99 - legend_h))
    frame_w_px = fig.bbox.width * 0.98
    frame_h_px = fig.bbox.height * (0.99 - legend_h)
    extent = _frame(geom.bounds, margin_m, frame_w_px / frame_h_px)
    ax.set_facecolor("#f4f4f2")
    attribution, tiles_error = None, None
    if tile_source is not None:
        source, key = tile_source, tile_source.get("tk", "")
    else:
        source = BASEMAPS[_checked_basemap(basemap)]
        key = (basemap_key(basemap) or "") if source.get("key") else ""
    if source.get("tiles"):
        try:
            attribution = _draw_tiles(ax, extent, frame_w_px, source, key)
        except TilesUnavailable as exc:
            tiles_error = str(exc)

    handles, data_attribution = [], []
    for z, (name, info) in enumerate(manifest["layers"].items()):
        if name not in layers or layers[name].empty:
            continue
        gdf = to_town_crs(layers[name], name)
        gdf = gdf[gdf.geometry.intersects(box(*extent))]
        if gdf.empty:
            continue
        _draw_layer(ax, name, gdf, info, zorder=1 + z * 0.1)
        handles.append(_legend_handle(name, info, lang))
        if info.get("attribution") and str(info["attribution"]) not in data_attribution:
            data_attribution.append(str(info["attribution"]))   # e.g. OpenStreetMap's ODbL
        if name == "metro_stations":
            col = "name_en" if lang == "en" else "name"
            for label, pt in zip(gdf[col], gdf.geometry):
                ax.annotate(plot_text(label), (pt.x, pt.y), xytext=(4, 3), textcoords="offset points",
                            fontproperties=fprops, fontsize=7, zorder=8, color="#111111",
                            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                  "alpha": 0.75})

    # the site, on top of everything
    if ref.kind in ("parcel", "zone"):
        # fill above every area and line, below the points; outline above everything
        _draw_geoms(ax, [geom], "area", {"facecolor": to_rgba(HIGHLIGHT, 0.35),
                                         "edgecolor": "none", "linewidth": 0,
                                         "linestyle": "-"}, zorder=_POINTS_ABOVE)
        _draw_geoms(ax, [geom], "area", {"facecolor": "none", "edgecolor": HIGHLIGHT,
                                         "linewidth": 2.2, "linestyle": "-"}, zorder=9)
        anchor = geom.representative_point()
    else:
        ax.scatter([geom.x], [geom.y], s=260, marker="*", c=HIGHLIGHT, edgecolors="#222222",
                   linewidths=0.6, zorder=9)
        anchor = geom
    if ring_m > 0:
        _draw_geoms(ax, [geom.buffer(ring_m)], "area", {"facecolor": "none",
                                                        "edgecolor": RING_COLOR, "linewidth": 0.9,
                                                        "linestyle": (0, (5, 4))}, zorder=8)
    site_name = ref.name_en if lang == "en" else ref.name
    ax.annotate(plot_text(site_name), (anchor.x, anchor.y), xytext=(0, 10), textcoords="offset points",
                ha="center", fontproperties=fprops, fontsize=9, weight="bold", zorder=10,
                color="#5a0048", bbox={"boxstyle": "round,pad=0.2", "fc": "white",
                                       "ec": HIGHLIGHT, "lw": 0.8, "alpha": 0.9})

    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.add_artist(ScaleBar(1, units="m", location="lower left", length_fraction=0.22,
                           box_alpha=0.8, font_properties={"size": 8}))
    _north_arrow(ax, fprops, lang)
    corner = "; ".join(a for a in [attribution, *data_attribution] if a)
    if corner:   # "$" escaped: no mathtext from the manifest
        ax.text(0.995, 0.005, corner.replace("$", r"\$"), transform=ax.transAxes, ha="right", va="bottom",
                fontproperties=_sized(fprops, 6), zorder=11,
                bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    site_handle = Patch(facecolor=to_rgba(HIGHLIGHT, 0.35), edgecolor=HIGHLIGHT,
                        label=i18n.t("bf_map_site", lang))
    ring_handle = Line2D([], [], color=RING_COLOR, linestyle=(0, (5, 4)), linewidth=0.9,
                         label=i18n.t("bf_map_ring", lang).format(r=ring_m / 1000))
    # as many columns as fit across the figure: a legend wider than the image is cut at both
    # ends ("n radius", "rict outlines")
    renderer = fig.canvas.get_renderer()
    for ncol in (5, 4, 3, 2, 1):
        legend = fig.legend(handles=[site_handle, ring_handle] + handles, loc="lower center",
                            ncol=ncol, frameon=False, prop=_sized(fprops, 7),
                            bbox_to_anchor=(0.5, 0.0), handlelength=1.6, columnspacing=1.0)
        extent_px = legend.get_window_extent(renderer)
        if ncol == 1 or (extent_px.x0 >= 0 and extent_px.x1 <= fig.bbox.width):
            break   # one column is kept even when a (very long) label is wider than the figure
        legend.remove()

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    # read the frame after the draw that made the PNG (same dpi, so the same layout)
    bbox = ax.get_window_extent()
    height = fig.bbox.height
    frame_px = (bbox.x0, height - bbox.y1, bbox.x1, height - bbox.y0)
    extent_px = legend.get_window_extent()
    legend_px = (extent_px.x0, height - extent_px.y1, extent_px.x1, height - extent_px.y0)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return MapImage(png=buf.getvalue(), width_px=int(round(fig.bbox.width)),
                    height_px=int(round(height)), extent=(x0, y0, x1, y1),
                    frame_px=frame_px, dpi=float(dpi), basemap_attribution=attribution,
                    tiles_error=tiles_error, data_attribution="; ".join(data_attribution) or None,
                    legend_px=legend_px)


def _checked_basemap(basemap: str) -> str:
    if basemap not in BASEMAPS:
        raise ValueError(f"basemap '{basemap}' is unknown. Valid basemaps: {', '.join(BASEMAPS)} "
                         "('blank' works without internet).")
    return basemap


def _draw_tiles(ax, extent, frame_w_px: float, source: dict, key: str) -> str:
    """Fetch the tiles behind ``extent`` (TOWN_CRS) and draw them; return the attribution.

    Raises :class:`TilesUnavailable`. Gaode tiles are in GCJ-02: the frame is converted to
    GCJ-02 to pick them and the mosaic's corners back to WGS84 to place it (the offset varies
    by well under a pixel across a map this size). Over a few kilometres Web Mercator and the
    town's TM differ by a uniform scale (and a rotation under 0.05°), so the mosaic is placed
    by its corners.
    """
    if source.get("key") and not key:
        raise TilesUnavailable(f"the tile source needs a {source['key']} key and none is "
                               "configured.")
    gcj = source.get("datum", "wgs84") == "gcj02"
    xmin, ymin, xmax, ymax = extent
    lon, lat = _TO_LONLAT.transform([xmin, xmax, xmin, xmax], [ymin, ymin, ymax, ymax])
    if gcj:
        lon, lat = wgs84_to_gcj02(np.asarray(lon), np.asarray(lat))
    bounds = (float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat)))
    zoom = zoom_for((xmax - xmin) / frame_w_px, (bounds[1] + bounds[3]) / 2,
                    int(source.get("max_zoom", 19)))
    images = []
    for url in (u for u in (source["tiles"], source.get("labels")) if u):
        images.append(fetch_mosaic(url, bounds, zoom, subdomains=source.get("subdomains", ""),
                                   key=key))
    base = images[0].image
    for extra in images[1:]:
        base = Image.alpha_composite(base, extra.image)
    mx0, my0, mx1, my1 = images[0].bounds_3857
    clon, clat = zip(*(mercator_to_lonlat(x, y) for x, y in ((mx0, my0), (mx1, my1))))
    if gcj:
        clon, clat = gcj02_to_wgs84(np.asarray(clon), np.asarray(clat))
    (left, right), (bottom, top) = _TO_TOWN.transform(list(clon), list(clat))
    ax.imshow(np.asarray(base.convert("RGB")), extent=(left, right, bottom, top), origin="upper",
              interpolation="bilinear", zorder=0.5)
    return html.unescape(re.sub(r"<[^>]+>", "", source.get("attr", ""))).strip()


def _sized(fprops: font_manager.FontProperties, size: float) -> font_manager.FontProperties:
    p = fprops.copy()
    p.set_size(size)
    return p


def _legend_handle(name: str, info: dict, lang: str):
    """A legend entry for a layer drawn with its base style."""
    title = plot_text(i18n.layer_title(info, lang))   # no mathtext from data
    kind = "point" if set(info.get("geometry_types", [])) <= {"Point", "MultiPoint"} else (
        "line" if set(info.get("geometry_types", [])) & {"LineString", "MultiLineString"}
        else "area")
    geom_type = {"point": "Point", "line": "LineString", "area": "Polygon"}[kind]
    palette = info.get("palette") or {}
    props = {info["style_by"]: next(iter(palette))} if info.get("style_by") and palette else {}
    st = _mpl_style(feature_style(info, props, geom_type, name), kind)
    if kind == "point":
        return Line2D([], [], marker="o", linestyle="none", markerfacecolor=st["color"],
                      markeredgecolor=st["edgecolor"], markersize=5, label=title)
    if kind == "line":
        return Line2D([], [], color=st["color"], linewidth=min(st["linewidth"], 3),
                      linestyle=st["linestyle"], label=title)
    return Patch(facecolor=st["facecolor"], edgecolor=st["edgecolor"], label=title)


def _north_arrow(ax, fprops, lang: str) -> None:
    """A north arrow in the top-right corner (grid north of TOWN_CRS = true north here)."""
    ax.annotate("", xy=(0.955, 0.97), xytext=(0.955, 0.86), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>", "color": "#111111", "lw": 1.6,
                            "mutation_scale": 14}, zorder=11)
    ax.text(0.955, 0.835, "N" if lang == "en" else "北", transform=ax.transAxes, ha="center",
            va="top", fontproperties=_sized(fprops, 10), weight="bold", zorder=11,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
