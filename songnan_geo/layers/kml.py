"""KML placemarks read beside GDAL: ExtendedData values and ids, parsed with entities refused.

GDAL's KML drivers drop or rename ExtendedData; :func:`kml_placemarks` reads it with expat
(no DTD, no entity expansion) and :func:`tidy_kml` puts the file's own fields back.
"""
from __future__ import annotations

from xml.parsers import expat

import geopandas as gpd

from songnan_geo.layers.import_model import is_empty

KML_FIELDS = {"Name": "name", "description": None, "Description": None, "timestamp": None, "begin": None,
               "end": None, "altitudeMode": None, "tessellate": None, "extrude": None,
               "visibility": None, "drawOrder": None, "icon": None, "snippet": None}


class _KmlEntity(Exception):
    """Internal: the KML declares an XML entity."""


#: KML elements that give a placemark its geometry (gx:Track, gx:MultiTrack included).
_KML_GEOMETRIES = {"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Track",
                   "MultiTrack", "Model"}


def kml_placemarks(data: bytes, stop) -> list[dict] | None:
    """Each Document/Folder of a KML with its placemarks, in document order: the
    container's ``name`` and ``placemarks`` (each: ``name``, ``data`` — the ExtendedData
    ``<Data name=…><value>`` and ``<SimpleData name=…>`` values as text — and whether it has
    a ``geometry``). GDAL's LIBKML driver reads an ExtendedData ``id`` into its own placemark
    id field (or ``id2``) and GDAL's KML driver drops ExtendedData altogether, so it is read
    here. The parser refuses any entity declaration (no expansion, no external files) and
    reads no DTD. None when the XML cannot be parsed (GDAL then says why)."""
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_args):
        raise _KmlEntity

    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    containers: list[dict] = []
    open_containers: list[dict] = []
    tags: list[str] = []
    text: list[str] = []
    state: dict = {"pm": None, "data_name": None}

    def start(tag, attrs):
        name = tag.rsplit("}", 1)[-1]
        tags.append(name)
        text.clear()
        pm = state["pm"]
        if name in ("Document", "Folder"):
            open_containers.append({"name": None, "placemarks": []})
            containers.append(open_containers[-1])
        elif name == "Placemark":
            state["pm"] = {"name": None, "data": {}, "geometry": False}
            if not open_containers:
                containers.append({"name": None, "placemarks": []})
                open_containers.append(containers[-1])
            open_containers[-1]["placemarks"].append(state["pm"])
        elif pm is not None and name in ("Data", "SimpleData"):
            state["data_name"] = attrs.get("name")
        elif pm is not None and name in _KML_GEOMETRIES:
            pm["geometry"] = True

    def end(tag):
        name = tags.pop()
        parent = tags[-1] if tags else None
        value = "".join(text)
        text.clear()
        pm, key = state["pm"], state["data_name"]
        if name == "name" and parent == "Placemark" and pm is not None:
            pm["name"] = value.strip()
        elif name == "name" and parent in ("Document", "Folder") and open_containers:
            if open_containers[-1]["name"] is None:
                open_containers[-1]["name"] = value.strip()
        elif pm is not None and key and ((name == "value" and parent == "Data")
                                         or name == "SimpleData"):
            pm["data"][key] = value
        elif name == "Placemark":
            state["pm"] = None
        elif name in ("Document", "Folder") and open_containers:
            open_containers.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(data, True)
    except _KmlEntity:
        stop("kml_entities")
    except expat.ExpatError:
        return None
    return containers


def placemarks_of(containers: list[dict] | None, layer: str, gdf) -> list[dict] | None:
    """The placemarks of GDAL layer ``layer`` row by row, or None when they cannot be told
    for sure (the container's name must be unique and the placemark names match GDAL's)."""
    if containers is None:
        return None
    same = [c for c in containers if c["name"] == layer and c["placemarks"]]
    if len(same) != 1:
        return None
    pms = same[0]["placemarks"]
    if len(pms) != len(gdf):
        pms = [pm for pm in pms if pm["geometry"]]  # GDAL's KML driver skips the others
    if len(pms) != len(gdf):
        return None
    names = gdf["Name"] if "Name" in gdf.columns else [None] * len(gdf)
    for pm, name in zip(pms, names):
        if (pm["name"] or "") != ("" if is_empty(name) else str(name).strip()):
            return None
    return pms


def tidy_kml(gdf: gpd.GeoDataFrame, placemarks: list[dict] | None = None) -> gpd.GeoDataFrame:
    """GDAL's KML columns back to the file's own fields: 'Name' → name, the ExtendedData
    fields (read by :func:`kml_placemarks` where GDAL's reading is not enough; the id from
    ExtendedData, else the placemark id GDAL gives unless it is GDAL's own 'layer.1'), KML's
    own display fields dropped."""
    out = gdf.copy()
    ext_id = placemarks is not None and any("id" in pm["data"] for pm in placemarks)
    if placemarks is not None:
        keys = list(dict.fromkeys(k for pm in placemarks for k in pm["data"]))
        for key in keys:
            if key not in out.columns or key == "id":
                out[key] = [pm["data"].get(key) for pm in placemarks]
        if ext_id:
            out = out.drop(columns=[c for c in ("id2",) if c in out.columns])
    if not ext_id and "id2" in out.columns:
        id2 = out["id2"]
        given = id2.notna() & (id2.astype(str).str.strip() != "")
        out["id"] = id2.where(given, out["id"]) if "id" in out.columns else id2
        out = out.drop(columns=["id2"])
    if not ext_id and "id" in out.columns and \
            out["id"].astype(str).str.match(r"^.+\.\d+$").all():
        out = out.drop(columns=["id"])  # GDAL's own placemark ids ("layer.1")
    for col, new in KML_FIELDS.items():
        if col not in out.columns:
            continue
        if new and new not in out.columns:
            out = out.rename(columns={col: new})
        else:
            out = out.drop(columns=[col])
    return out

