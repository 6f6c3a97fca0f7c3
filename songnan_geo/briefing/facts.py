"""Investment briefing facts for one site: a key parcel, a carrier park, or the centre / a belt.

:func:`briefing_facts` gathers what an investor's one-page briefing says about a site, from
the layers as loaded (GeoDataFrames in EPSG:4326); every area and distance is computed in the
town's metric CRS (:data:`songnan_geo.coords.crs.TOWN_CRS`, metres):

* the site: name, area (m² and ha, polygons only), source, positional accuracy and whether
  its outline / position is estimated;
* 一心三线 membership (:func:`songnan_geo.plan.zones.zone_membership`) and the plan's own words for
  that zone (``role_quote``, ``industries_quote``, quoted word for word in the zones layer);
* status (as the plan describes it, or from a status store passed in ``status``), next
  milestone (``plan_target`` by ``plan_deadline``) and planned use;
* transit: the nearest metro stations, with line, straight-line distance and walking
  distance along the roads layer (:func:`roads_walk_fn`, :mod:`songnan_geo.lifecircle.network`);
* neighbours: carrier parks and the enterprises the plan names (:data:`PLAN_ENTERPRISES`)
  within ``neighbour_radius_m`` (default 1 km);
* the 15-minute life-circle facilities by type: the nearest of each type with its distance
  and how many lie within ``facility_radius_m``;
* date and a contact line (a clearly marked placeholder unless one is configured).

Distances are measured from the site's geometry (0 inside a parcel or zone), straight-line in
TOWN_CRS. A distance involving an estimated position is flagged ``estimated``. This module
is pure: no disk, no network, no streamlit.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
from shapely.ops import nearest_points

from songnan_geo import clock
from songnan_geo.coords.crs import to_town_crs
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.plan.zones import in_centre, zone_membership
from songnan_geo.text.i18n import t

#: Site kinds and the layer each is taken from.
SITE_LAYERS: dict[str, str] = {"parcel": "parcels", "park": "carrier_parks", "zone": "zones"}

#: Environment variable holding the briefing's contact line (e.g. office, person, phone).
CONTACT_ENV = "SONGNAN_BRIEFING_CONTACT"

#: Shown when no contact is configured: clearly a blank to fill, never an invented number.
#: A document prints it in its own language (``t("bf_contact_placeholder", lang)``).
CONTACT_PLACEHOLDER = t("bf_contact_placeholder", "zh")

#: Radius for neighbouring carrier parks and enterprises, metres.
NEIGHBOUR_RADIUS_M = 1000.0

#: Radius of the 15-minute life circle used for facility counts, metres (Shanghai's guidance:
#: a walk of about 1 km).
FACILITY_RADIUS_M = 1000.0

#: Enterprises the plan names (section 五, paragraph on 招商), with the plan's words and the
#: name each uses in English (romanised where it has none of its own). Only two
#: have a position in the data: the carrier park that carries their name (an inference from
#: the name; that park's position is itself estimated). The rest are listed in a briefing as
#: named by the plan without a known position.
PLAN_ENTERPRISES: tuple[dict, ...] = (
    {"name": "同济科技", "name_en": "Tongji Science & Technology", "group": "重点企业", "park_id": None,
     "quote": "全面深化与同济科技、厚朴、中科创智等重点企业合作"},
    {"name": "厚朴", "name_en": "Houpu", "group": "重点企业", "park_id": None,
     "quote": "全面深化与同济科技、厚朴、中科创智等重点企业合作"},
    {"name": "中科创智", "name_en": "Zhongke Chuangzhi", "group": "重点企业", "park_id": "c_zkcz",
     "quote": "全面深化与同济科技、厚朴、中科创智等重点企业合作"},
    {"name": "微盟", "name_en": "Weimob", "group": "优质企业（培育扶持）", "park_id": "c_weimob",
     "quote": "培育扶持微盟、瓌崧智能、东铭集团、叮当快药、佑译科技等优质企业"},
    {"name": "瓌崧智能", "name_en": "Guisong Intelligent", "group": "优质企业（培育扶持）", "park_id": None,
     "quote": "培育扶持微盟、瓌崧智能、东铭集团、叮当快药、佑译科技等优质企业"},
    {"name": "东铭集团", "name_en": "Dongming Group", "group": "优质企业（培育扶持）", "park_id": None,
     "quote": "培育扶持微盟、瓌崧智能、东铭集团、叮当快药、佑译科技等优质企业"},
    {"name": "叮当快药", "name_en": "Dingdang Kuaiyao", "group": "优质企业（培育扶持）", "park_id": None,
     "quote": "培育扶持微盟、瓌崧智能、东铭集团、叮当快药、佑译科技等优质企业"},
    {"name": "佑译科技", "name_en": "Youyi Technology", "group": "优质企业（培育扶持）", "park_id": None,
     "quote": "培育扶持微盟、瓌崧智能、东铭集团、叮当快药、佑译科技等优质企业"},
)

#: A walking-distance function: ``(site geometry, targets)`` → metres along the walking
#: network for each target (``None`` where unreachable). Both in TOWN_CRS.
WalkFn = Callable[[object, gpd.GeoDataFrame], Sequence[float | None]]


def network_walk_fn(network: WalkNetwork) -> WalkFn:
    """A ``walk_fn`` over a :class:`songnan_geo.lifecircle.network.WalkNetwork` (TOWN_CRS).

    The walk to each station starts at the point of the site nearest to that station (a
    site's entrance is unknown; this is the shortest assumption) and follows the network's
    rule: straight-line access to the nearest road at both ends + distance along the roads.
    A station inside the site is 0 m away; an unreachable one ``None``.
    """
    def walk(site, stations: gpd.GeoDataFrame) -> list[float | None]:
        pts = list(stations.geometry)
        if not pts:
            return []
        origins = [nearest_points(site, p)[0] for p in pts]
        d = network.distance_matrix_m([(o.x, o.y) for o in origins], [(p.x, p.y) for p in pts])
        return [0.0 if site.covers(p) else (float(d[i, i]) if math.isfinite(d[i, i]) else None)
                for i, p in enumerate(pts)]
    return walk


def roads_walk_fn(roads: gpd.GeoDataFrame) -> WalkFn:
    """A ``walk_fn`` along the roads layer (built into a walking network each call: ~10 ms)."""
    return network_walk_fn(WalkNetwork.from_roads(roads))


class UnknownSiteError(KeyError):
    """A site id that is no parcel, carrier park or zone; the message lists the valid ids."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


@dataclass(frozen=True)
class SiteRef:
    """A site that can be briefed: its id, kind ('parcel', 'park', 'zone') and names."""

    id: str
    kind: str
    name: str
    name_en: str


@dataclass(frozen=True)
class ZoneFact:
    """A zone of 一心三线 the site belongs to, with the plan's words for it."""

    id: str
    name: str
    name_en: str
    kind: str
    role_quote: str
    industries_quote: str
    plan_ref: str


@dataclass(frozen=True)
class StationFact:
    """A metro station near the site. Distances in metres from the site's geometry."""

    id: str
    name: str
    lines: str
    state: str
    straight_m: float
    walk_m: float | None
    estimated: bool          # the station's or the site's position is estimated
    name_en: str = ""        # the layer's English name ('' when it has none)


@dataclass(frozen=True)
class NeighbourFact:
    """A carrier park or named enterprise within the neighbour radius.

    ``detail`` is the Chinese text a Chinese briefing prints (a park's theme; an enterprise's
    group and park); ``theme``, ``group`` and ``park_name`` / ``park_name_en`` are its parts, from
    which an English briefing writes its own.
    """

    id: str
    name: str
    detail: str              # theme of a park; group and park of an enterprise
    state: str
    dist_m: float
    yiyuan_lou: bool
    estimated: bool
    name_en: str = ""        # English name ('' when there is none)
    theme: str = ""          # a park's theme (产业方向)
    group: str = ""          # an enterprise's group in the plan's words (重点企业, …)
    park_name: str = ""      # the park an enterprise is placed at
    park_name_en: str = ""


@dataclass(frozen=True)
class FacilityFact:
    """The nearest facility of one type and how many of that type lie within the radius."""

    type: str
    nearest_name: str
    nearest_state: str
    dist_m: float
    count_within: int
    estimated: bool
    nearest_name_en: str = ""   # the facility's English name ('' when it has none)


@dataclass
class Briefing:
    """Everything a briefing says about one site (see the module docstring)."""

    site: SiteRef
    as_of: _dt.date
    contact: str
    contact_is_placeholder: bool
    source: str
    accuracy_m: float | None
    geometry_estimated: bool
    area_m2: float | None
    zones: list[ZoneFact]
    in_centre: bool
    status: str | None = None
    status_as_of: str | None = None
    status_source: str | None = None
    plan_target: str | None = None
    plan_deadline: str | None = None
    milestone_note: str | None = None
    planned_use: str | None = None
    plan_quote: str | None = None
    theme: str | None = None
    address: str | None = None
    stations: list[StationFact] = field(default_factory=list)
    walking_available: bool = False
    parks: list[NeighbourFact] = field(default_factory=list)
    enterprises: list[NeighbourFact] = field(default_factory=list)
    enterprises_unplaced: list[str] = field(default_factory=list)
    enterprises_unplaced_en: list[str] = field(default_factory=list)   # same order, in English
    facilities: list[FacilityFact] = field(default_factory=list)
    parcels_inside: list[SiteRef] = field(default_factory=list)
    neighbour_radius_m: float = NEIGHBOUR_RADIUS_M
    facility_radius_m: float = FACILITY_RADIUS_M

    @property
    def area_ha(self) -> float | None:
        """Area in hectares (1 ha = 10,000 m²), or None for a point site."""
        return None if self.area_m2 is None else self.area_m2 / 1e4

    @property
    def nearest_station(self) -> StationFact | None:
        return self.stations[0] if self.stations else None


# --------------------------------------------------------------------------- helpers

def _text(value) -> str | None:
    """A property value as text; missing values (None, NaN, '') become None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    s = str(value).strip()
    return s or None


def _flag(value) -> bool:
    return bool(value) if _text(value) is not None else False


def _require_layers(layers: Mapping[str, gpd.GeoDataFrame], names: Sequence[str]) -> None:
    missing = [n for n in names if n not in layers]
    if missing:
        raise KeyError(f"layers lacks {', '.join(missing)}. Pass every layer of the data "
                       "folder, e.g. songnan_geo.load_all_layers().")


def list_sites(layers: Mapping[str, gpd.GeoDataFrame], kind: str | None = None) -> list[SiteRef]:
    """Every site that can be briefed (parcels, then carrier parks, then zones), or one kind."""
    if kind is not None and kind not in SITE_LAYERS:
        raise ValueError(f"kind '{kind}' is unknown. Use one of: {', '.join(SITE_LAYERS)}.")
    kinds = [kind] if kind else list(SITE_LAYERS)
    _require_layers(layers, [SITE_LAYERS[k] for k in kinds])
    out = []
    for k in kinds:
        gdf = layers[SITE_LAYERS[k]]
        for _, row in gdf.iterrows():
            out.append(SiteRef(str(row["id"]), k, str(row["name"]),
                               _text(row.get("name_en")) or str(row["name"])))
    return out


def get_site(layers: Mapping[str, gpd.GeoDataFrame], site_id: str) -> tuple[SiteRef, pd.Series]:
    """The site ``site_id`` and its layer row; an unknown id lists the valid ones."""
    for ref in list_sites(layers):
        if ref.id == site_id:
            gdf = layers[SITE_LAYERS[ref.kind]]
            return ref, gdf[gdf["id"] == site_id].iloc[0]
    raise UnknownSiteError(unknown_site_message(layers, site_id))


def unknown_site_message(layers: Mapping[str, gpd.GeoDataFrame], site_id: str) -> str:
    """Error text for an unknown site id, listing every valid id by kind."""
    lines = [f"site '{site_id}' is not a parcel, carrier park or zone id. Valid ids:"]
    for kind in SITE_LAYERS:
        refs = list_sites(layers, kind)
        lines.append(f"  {kind}: " + ", ".join(f"{r.id} ({r.name})" for r in refs))
    lines.append("Or pass 'all' for every site.")
    return "\n".join(lines)


def status_by_parcel(parcels: pd.DataFrame) -> dict[str, dict]:
    """The ``status`` mapping of :func:`briefing_facts` from a parcels table.

    ``parcels`` is anything with columns ``id``, ``status``, ``status_as_of`` and
    ``status_source``: the parcels layer, or the parcel tracker's current parcels (e.g.
    ``TrackerStore.parcels()``), so a briefing prints the tracked status.
    """
    missing = [c for c in ("id", "status", "status_as_of", "status_source") if c not in parcels]
    if missing:
        raise KeyError(f"parcels lacks column(s) {', '.join(missing)}; pass the parcels layer or "
                       "the tracker's parcels table.")
    return {str(r["id"]): {k: _text(r[k]) for k in ("status", "status_as_of", "status_source")}
            for _, r in parcels.iterrows()}


def parks_version_key(parks: pd.DataFrame) -> str:
    """``id:version,…`` of the carrier parks (version 0 without a ``version`` column, i.e. the
    layer as shipped): changes whenever an editor saves a park, so a cached briefing is redrawn."""
    versions = parks["version"] if "version" in parks else [0] * len(parks)
    return ",".join(f"{i}:{v}" for i, v in zip(parks["id"], versions))


def default_contact() -> tuple[str, bool]:
    """The contact line from ``$SONGNAN_BRIEFING_CONTACT``, else the placeholder.

    Returns ``(text, is_placeholder)``.
    """
    configured = (os.environ.get(CONTACT_ENV) or "").strip()
    return (configured, False) if configured else (CONTACT_PLACEHOLDER, True)


def _zone_fact(row: pd.Series) -> ZoneFact:
    return ZoneFact(str(row["id"]), str(row["name"]), _text(row.get("name_en")) or "",
                    str(row["kind"]), _text(row.get("role_quote")) or "",
                    _text(row.get("industries_quote")) or "", _text(row.get("plan_ref")) or "")


def _site_zones(site: gpd.GeoDataFrame, kind: str, zones: gpd.GeoDataFrame
                ) -> tuple[list[ZoneFact], bool]:
    """Zones of ``site`` (one-row frame, EPSG:4326): its main zone, then the centre if it
    also touches it. A zone site is its own zone."""
    by_id = {str(r["id"]): r for _, r in zones.iterrows()}
    if kind == "zone":
        zid = str(site["id"].iloc[0])
        return [_zone_fact(by_id[zid])], by_id[zid]["kind"] == "centre"
    main = zone_membership(site, zones).iloc[0]
    centre = bool(in_centre(site, zones).iloc[0])
    ids = [main] if main else []
    if centre:
        ids += [str(z) for z in zones.loc[zones["kind"] == "centre", "id"] if z not in ids]
    return [_zone_fact(by_id[z]) for z in ids], centre


def _distances(site_t, targets: gpd.GeoDataFrame) -> pd.Series:
    """Straight-line distance (m) from the site geometry to each target, in TOWN_CRS."""
    return to_town_crs(targets, "targets").geometry.distance(site_t)


# --------------------------------------------------------------------------- facts

def briefing_facts(layers: Mapping[str, gpd.GeoDataFrame], site_id: str, *,
                   status: Mapping[str, Mapping] | None = None,
                   as_of: _dt.date | None = None, contact: str | None = None,
                   walk_fn: WalkFn | None = None, n_stations: int = 3,
                   neighbour_radius_m: float = NEIGHBOUR_RADIUS_M,
                   facility_radius_m: float = FACILITY_RADIUS_M) -> Briefing:
    """The facts of one site's investment briefing.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        The layers as loaded (EPSG:4326): at least parcels, carrier_parks, zones,
        metro_stations and facilities.
    site_id : str
        A parcel, carrier park or zone id (:func:`list_sites`).
    status : mapping, optional
        Current status per parcel id, e.g. from the parcel tracker's store:
        ``{parcel_id: {"status": ..., "status_as_of": ..., "status_source": ...}}``. Keys
        missing from an entry (or parcels missing from the mapping) fall back to the parcels
        layer's ``status`` / ``status_as_of`` / ``status_source`` (the plan's January 2021
        state).
    as_of : datetime.date, optional
        Date printed on the briefing (default: today).
    contact : str, optional
        Contact line; default ``$SONGNAN_BRIEFING_CONTACT`` or :data:`CONTACT_PLACEHOLDER`.
    walk_fn : callable, optional
        ``walk_fn(site_geometry, stations)`` → walking metres per station (both in
        TOWN_CRS). Without it only straight-line distances are given.
    n_stations : int
        How many nearest stations to list.
    neighbour_radius_m, facility_radius_m : float
        Radii (metres, TOWN_CRS) for neighbouring parks/enterprises and for counting
        facilities.

    Returns
    -------
    Briefing

    Raises
    ------
    UnknownSiteError
        ``site_id`` is no site; the message lists the valid ids.
    """
    _require_layers(layers, ["parcels", "carrier_parks", "zones", "metro_stations", "facilities"])
    for name, value in (("neighbour_radius_m", neighbour_radius_m),
                        ("facility_radius_m", facility_radius_m)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number of metres, got {value!r}.")
    if not isinstance(n_stations, int) or n_stations < 1:
        raise ValueError(f"n_stations must be a positive integer, got {n_stations!r}.")
    ref, row = get_site(layers, site_id)
    gdf = layers[SITE_LAYERS[ref.kind]]
    site = gdf[gdf["id"] == site_id]
    site_t = to_town_crs(site, "site").geometry.iloc[0]
    site_est = _flag(row.get("estimated"))

    if contact is None:
        contact, placeholder = default_contact()
    else:
        contact, placeholder = contact.strip() or CONTACT_PLACEHOLDER, not contact.strip()
    zones_list, centre = _site_zones(site, ref.kind, layers["zones"])
    area = float(site_t.area) if site_t.geom_type in ("Polygon", "MultiPolygon") else None
    b = Briefing(
        site=ref, as_of=as_of or clock.today(), contact=contact,
        contact_is_placeholder=placeholder, source=_text(row.get("source")) or "",
        accuracy_m=float(row["accuracy_m"]) if _text(row.get("accuracy_m")) else None,
        geometry_estimated=site_est, area_m2=area, zones=zones_list, in_centre=centre,
        neighbour_radius_m=float(neighbour_radius_m), facility_radius_m=float(facility_radius_m))

    if ref.kind == "parcel":
        override = dict((status or {}).get(site_id) or {})
        b.status = _text(override.get("status")) or _text(row.get("status"))
        b.status_as_of = _text(override.get("status_as_of")) or _text(row.get("status_as_of"))
        b.status_source = _text(override.get("status_source")) or _text(row.get("status_source"))
        b.plan_target = _text(row.get("plan_target"))
        b.plan_deadline = _text(row.get("plan_deadline"))
        b.milestone_note = _text(row.get("note"))
        b.planned_use = _text(row.get("planned_use"))
        b.plan_quote = _text(row.get("plan_quote"))
    elif ref.kind == "park":
        b.status = _text(row.get("state"))
        b.status_source = _text(row.get("note"))
        b.theme = _text(row.get("theme"))
        b.planned_use = b.theme
        b.address = _text(row.get("address"))
        b.plan_quote = _text(row.get("plan_quote"))
    else:
        zone = zones_list[0]
        b.planned_use = _text(row.get("functions"))
        b.plan_quote = zone.role_quote
        parcels = layers["parcels"]
        member = zone_membership(parcels, layers["zones"])
        inside = parcels[(member == site_id) | (
            in_centre(parcels, layers["zones"]) if zone.kind == "centre" else False)]
        b.parcels_inside = [SiteRef(str(r["id"]), "parcel", str(r["name"]),
                                    _text(r.get("name_en")) or str(r["name"]))
                            for _, r in inside.iterrows()]

    b.stations, b.walking_available = _nearest_stations(
        site_t, site_est, layers["metro_stations"], n_stations, walk_fn)
    b.parks = _neighbour_parks(site_id, site_t, site_est, layers["carrier_parks"],
                               neighbour_radius_m)
    b.enterprises, b.enterprises_unplaced, b.enterprises_unplaced_en = _neighbour_enterprises(
        site_t, site_est, layers["carrier_parks"], neighbour_radius_m)
    b.facilities = _facilities_by_type(site_t, site_est, layers["facilities"], facility_radius_m)
    return b


def _nearest_stations(site_t, site_est: bool, stations: gpd.GeoDataFrame, n: int,
                      walk_fn: WalkFn | None) -> tuple[list[StationFact], bool]:
    d = _distances(site_t, stations)
    near = stations.assign(_d=d.values).sort_values(["_d", "id"]).head(n)
    walks: list[float | None] = [None] * len(near)
    if walk_fn is not None and len(near):
        walks = list(walk_fn(site_t, to_town_crs(near.drop(columns="_d"), "stations")))
        if len(walks) != len(near):
            raise ValueError(f"walk_fn returned {len(walks)} distances for {len(near)} "
                             "stations; it must return one (or None) per station.")
    out = [StationFact(str(r["id"]), str(r["name"]), _text(r.get("lines")) or "",
                       _text(r.get("state")) or "", float(r["_d"]),
                       None if w is None or not math.isfinite(float(w)) else float(w),
                       site_est or _flag(r.get("estimated")), _text(r.get("name_en")) or "")
           for (_, r), w in zip(near.iterrows(), walks)]
    return out, walk_fn is not None


def _neighbour_parks(site_id: str, site_t, site_est: bool, parks: gpd.GeoDataFrame,
                     radius_m: float) -> list[NeighbourFact]:
    d = _distances(site_t, parks)
    near = parks.assign(_d=d.values)
    near = near[(near["_d"] <= radius_m) & (near["id"] != site_id)].sort_values(["_d", "id"])
    return [NeighbourFact(str(r["id"]), str(r["name"]), _text(r.get("theme")) or "",
                          _text(r.get("state")) or "", float(r["_d"]), _flag(r.get("yiyuan_lou")),
                          site_est or _flag(r.get("estimated")), name_en=_text(r.get("name_en")) or "",
                          theme=_text(r.get("theme")) or "")
            for _, r in near.iterrows()]


def _neighbour_enterprises(site_t, site_est: bool, parks: gpd.GeoDataFrame, radius_m: float
                           ) -> tuple[list[NeighbourFact], list[str], list[str]]:
    """Named enterprises placed at their carrier park within ``radius_m``; the names (Chinese,
    then English) of those without a known position."""
    by_id = {str(r["id"]): r for _, r in parks.iterrows()}
    placed, unplaced, unplaced_en = [], [], []
    for ent in PLAN_ENTERPRISES:
        park = by_id.get(ent["park_id"]) if ent["park_id"] else None
        if park is None:
            unplaced.append(ent["name"])
            unplaced_en.append(ent["name_en"])
            continue
        dist = float(_distances(site_t, parks[parks["id"] == ent["park_id"]]).iloc[0])
        if dist <= radius_m:
            placed.append(NeighbourFact(ent["park_id"], ent["name"],
                                        f"{ent['group']}；位于{park['name']}",
                                        _text(park.get("state")) or "", dist, False,
                                        True,  # position inferred from the park's name
                                        name_en=ent["name_en"], group=ent["group"],
                                        park_name=str(park["name"]),
                                        park_name_en=_text(park.get("name_en")) or ""))
    placed.sort(key=lambda f: (f.dist_m, f.name))
    return placed, unplaced, unplaced_en


def _facilities_by_type(site_t, site_est: bool, facilities: gpd.GeoDataFrame,
                        radius_m: float) -> list[FacilityFact]:
    d = _distances(site_t, facilities)
    fac = facilities.assign(_d=d.values)
    out = []
    for ftype, grp in fac.groupby("type", sort=False):
        nearest = grp.sort_values(["_d", "id"]).iloc[0]
        out.append(FacilityFact(str(ftype), str(nearest["name"]), _text(nearest.get("state")) or "",
                                float(nearest["_d"]), int((grp["_d"] <= radius_m).sum()),
                                site_est or _flag(nearest.get("estimated")),
                                _text(nearest.get("name_en")) or ""))
    out.sort(key=lambda f: (f.dist_m, f.type))
    return out
