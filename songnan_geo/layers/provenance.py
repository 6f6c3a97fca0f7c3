"""Where a layer's features come from, said in words — the technical record kept apart.

A feature's ``source`` (and a boundary's ``reference_area_source``) is free text written
when the data was built or imported. It names the material in full: repository paths, file
names, OSM node ids, web addresses. The data catalogue shows planners the *sources in words*
(the plan, OpenStreetMap contributors, Baidu points converted to WGS84, a drawn estimate …) in
the UI's language, and the stored text only as technical detail (:class:`Provenance`).

The words come from :data:`SOURCE_KINDS`: each kind is recognised in the stored text by a
pattern and said by one catalogue entry (``songnan_geo.text.i18n``, keys ``prov_*``). A text
that matches no kind is said as "another source (see the detail)". No geometry is read here.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from songnan_geo.text.i18n import t

#: Kinds of source, in the order they are listed: (catalogue key, pattern in the stored text).
SOURCE_KINDS: tuple[tuple[str, re.Pattern], ...] = tuple((k, re.compile(p)) for k, p in (
    ("prov_plan14", r"第十四个五年规划纲要|“十四五”规划纲要"),
    ("prov_osm", r"OpenStreetMap"),
    ("prov_datav", r"DataV\.GeoAtlas"),
    ("prov_nbs_codes", r"统计用区划代码"),
    ("prov_baidu", r"百度|BD-09"),
    ("prov_gaode", r"高德|GCJ-02"),
    ("prov_metro_notice", r"申通地铁"),
    ("prov_school_list", r"学校名录"),
    ("prov_health_list", r"社区卫生服务中心名录"),
    ("prov_district_overview", r"宝山区概况"),
    ("prov_address", r"按地址\s*\S+?\s*定位"),
    ("prov_voronoi", r"泰森多边形"),
    ("prov_drawn", r"绘制估计|示意|为估计|点位估计|点位.{0,8}估计|drawn estimate"),
))

#: Columns holding provenance text (said in words in the catalogue's table). ``status_source``
#: is not one: it quotes the plan's words on a parcel's state.
PROVENANCE_COLUMNS = ("source", "reference_area_source")

#: Columns that are identifiers in other systems: technical detail, not shown in the table.
TECHNICAL_COLUMNS = ("osm_id",)

#: An OpenStreetMap element id written into a note ("OpenStreetMap way/460289575"): said as
#: "OpenStreetMap" in the table (the id stays in the GeoJSON download).
OSM_ELEMENT_RE = re.compile(r"\s*\b(?:node|way|relation)/\d+")


@dataclass(frozen=True)
class Provenance:
    """A layer's provenance for display.

    Attributes
    ----------
    words : list of (str, int)
        Each source kind said in words in the UI's language, with how many features name it
        (a feature may name several), most-named first.
    records : list of (str, int)
        The distinct stored ``source`` texts with their feature counts, as stored (technical
        detail: paths, file names, ids).
    data_file : str
        The layer's file name in the data folder (from the manifest).
    """

    words: list[tuple[str, int]]
    records: list[tuple[str, int]]
    data_file: str


def source_kinds(text) -> list[str]:
    """The catalogue keys of the source kinds named in ``text`` (``['prov_other']`` if none)."""
    if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text).strip():
        return []
    kinds = [key for key, pattern in SOURCE_KINDS if pattern.search(str(text))]
    return kinds or ["prov_other"]


def source_in_words(text, lang: str = "zh") -> str:
    """A stored source text said in words in ``lang``: its kinds joined by "；" / "; ".

    Empty for an empty value. No path, file name or id of the stored text is kept.
    """
    return ("；" if lang == "zh" else "; ").join(t(k, lang) for k in source_kinds(text))


def layer_provenance(gdf: pd.DataFrame, info: dict, lang: str = "zh") -> Provenance:
    """The provenance of one layer: sources in words with counts, and the stored records.

    Parameters
    ----------
    gdf : (Geo)DataFrame
        The layer; its ``source`` column is read (any CRS; geometry is not used).
    info : dict
        The layer's manifest entry (for its ``file``).
    lang : {'zh', 'en'}
    """
    values = [v for v in gdf.get("source", pd.Series(dtype=object)) if source_kinds(v)]
    kinds = Counter(k for v in values for k in source_kinds(v))
    order = {key: i for i, (key, _) in enumerate(SOURCE_KINDS)}
    ranked = sorted(kinds.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order))))
    records = sorted(Counter(str(v) for v in values).items(), key=lambda kv: (-kv[1], kv[0]))
    return Provenance(words=[(t(k, lang), n) for k, n in ranked], records=records,
                      data_file=str(info.get("file", "")))


def table_in_words(gdf: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The layer's attribute table for display: provenance columns said in words, the
    geometry and the ids of other systems (:data:`TECHNICAL_COLUMNS`, OSM element ids in a
    ``note``) left out."""
    out = pd.DataFrame(gdf.drop(columns=[c for c in ("geometry", *TECHNICAL_COLUMNS)
                                         if c in gdf.columns]))
    for col in PROVENANCE_COLUMNS:
        if col in out.columns:
            out[col] = out[col].map(lambda v: source_in_words(v, lang))
    if "note" in out.columns:
        out["note"] = out["note"].map(lambda v: OSM_ELEMENT_RE.sub("", v) if isinstance(v, str) else v)
    return out
