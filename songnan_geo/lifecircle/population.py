"""Population where people live: each 居委's residents spread over its homes (dasymetric).

A 居委's population is the figure an editor entered (:mod:`songnan_geo.store.population`: figure,
source, year) or, without one, the residential layer's labelled estimate (area × an assumed gross
density of :data:`ESTIMATE_DENSITY_PER_KM2`; no public census figure per 居委 exists). It is spread

* over the 居委's **residential buildings by floor area** when a buildings layer has buildings in
  the 居委 (a building belongs to the 居委 its representative point lies in; residential by its
  ``building`` tag when known — see :func:`residential_buildings`), one demand point per building;
* else over its **residential land** (the ``residential_land`` polygons inside the 居委, or the
  居委 polygon itself) on a regular grid (:func:`songnan_geo.lifecircle.coverage.population_grid`).

Every demand point carries ``population`` (residents), ``population_source`` (where the figure
comes from), ``estimated`` (True unless an editor or the layer gave a non-estimated figure) and
``method`` ("buildings" or "land"). All geometry work is in
:data:`songnan_geo.coords.crs.TOWN_CRS` (metres); areas in m².
"""
from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from songnan_geo.coords.crs import TOWN_CRS, require_crs
from songnan_geo.lifecircle.coverage import DEFAULT_CELL_M, population_grid

#: Gross density of the shipped estimate (residents per km²; data/geo/README.md).
ESTIMATE_DENSITY_PER_KM2 = 21_000
#: ``building=*`` values that mean homes.
RESIDENTIAL_BUILDING_TAGS = frozenset({
    "apartments", "residential", "house", "detached", "semidetached_house", "terrace",
    "dormitory", "bungalow", "villa"})
#: ``building=*`` values that mean no one lives there.
NON_RESIDENTIAL_BUILDING_TAGS = frozenset({
    "commercial", "industrial", "retail", "office", "warehouse", "school", "kindergarten",
    "university", "college", "hospital", "public", "civic", "government", "church", "temple",
    "train_station", "transportation", "garage", "garages", "parking", "shed", "roof", "kiosk",
    "service", "supermarket", "hotel", "factory", "sports_centre", "stadium", "construction"})
OUTPUT_COLUMNS = ("area_index", "juwei_id", "juwei_name", "population", "population_source", "estimated",
                  "method", "floor_area_m2")


def entered_source(source: str, year) -> str:
    """The ``population_source`` of an editor's figure: ``entered by editor, <source> <year>``."""
    return f"entered by editor, {source} {year}"


ESTIMATE_SOURCE = f"estimated {ESTIMATE_DENSITY_PER_KM2:,}/km²"


def juwei_populations(juwei: gpd.GeoDataFrame,
                      populations: Mapping[str, Mapping] | pd.DataFrame | None = None) -> pd.DataFrame:
    """Each 居委's population and where it comes from.

    Parameters
    ----------
    juwei : GeoDataFrame
        The 居委 polygons (the ``residential`` layer: ``id``, ``name``, and its estimate in
        ``population`` with ``population_estimated``), any CRS with a CRS set.
    populations : mapping or DataFrame, optional
        Entered figures: 居委 ``id`` → {``population``, ``source``, ``year``} (e.g.
        :meth:`songnan_geo.store.population.PopulationStore.entered`), or a frame with columns
        ``juwei_id``, ``population``, ``source``, ``year``.

    Returns
    -------
    DataFrame
        One row per 居委, in its order: ``juwei_id``, ``juwei_name``, ``population`` (residents),
        ``population_source``, ``estimated``. Without an entered figure: the layer's
        ``population`` (or area km² × :data:`ESTIMATE_DENSITY_PER_KM2` when it has none), labelled
        :data:`ESTIMATE_SOURCE` unless the layer marks it ``population_estimated: false``.
    """
    entered = _entered(populations)
    ids = juwei["id"].astype(str).to_numpy() if "id" in juwei else np.arange(len(juwei)).astype(str)
    names = juwei["name"].astype(str).to_numpy() if "name" in juwei else ids
    area_km2 = juwei.geometry.to_crs(TOWN_CRS).area.to_numpy() / 1e6 if len(juwei) else np.zeros(0)
    rows = []
    for i, jid in enumerate(ids):
        if jid in entered:
            e = entered[jid]
            rows.append((jid, names[i], float(e["population"]),
                         entered_source(e["source"], e["year"]), False))
            continue
        pop = _cell(juwei, "population", i)
        est = _cell(juwei, "population_estimated", i)
        if pop is None:
            rows.append((jid, names[i], area_km2[i] * ESTIMATE_DENSITY_PER_KM2, ESTIMATE_SOURCE, True))
        elif est is False:
            label = _cell(juwei, "population_method", i) or _cell(juwei, "source", i) or "layer"
            rows.append((jid, names[i], float(pop), f"residential layer: {label}", False))
        else:
            rows.append((jid, names[i], float(pop), ESTIMATE_SOURCE, True))
    return pd.DataFrame(rows, columns=["juwei_id", "juwei_name", "population", "population_source",
                                       "estimated"])


def _cell(gdf, column, i):
    if column not in gdf.columns:
        return None
    v = gdf[column].iloc[i]
    if v is None or (isinstance(v, float) and not np.isfinite(v)) or v is pd.NA:
        return None
    return bool(v) if column == "population_estimated" else v


def _entered(populations) -> dict[str, Mapping]:
    if populations is None:
        return {}
    if isinstance(populations, pd.DataFrame):
        return {str(r["juwei_id"]): r for r in populations.to_dict("records")}
    return {str(k): v for k, v in populations.items()}


def residential_buildings(buildings: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which buildings hold residents: known by their tag, or possibly (bool per row).

    Returns
    -------
    (known_residential, maybe_residential) : tuple of bool arrays
        ``known_residential``: ``building`` (or ``use``) tag in :data:`RESIDENTIAL_BUILDING_TAGS`;
        ``maybe_residential``: anything not in :data:`NON_RESIDENTIAL_BUILDING_TAGS` (untagged
        ``yes`` included).
    """
    tag = pd.Series([""] * len(buildings), index=buildings.index)
    for col in ("use", "building"):
        if col in buildings.columns:
            tag = buildings[col].fillna("").astype(str).str.strip().str.lower().where(
                tag == "", tag)
    known = tag.isin(RESIDENTIAL_BUILDING_TAGS).to_numpy()
    maybe = ~tag.isin(NON_RESIDENTIAL_BUILDING_TAGS).to_numpy()
    return known, maybe


def _floor_area_m2(buildings: gpd.GeoDataFrame) -> np.ndarray:
    """``floor_area_m2``, else footprint (TOWN_CRS m²) × ``levels`` (1 when unknown)."""
    footprint = buildings.geometry.to_crs(TOWN_CRS).area.to_numpy()
    levels = (pd.to_numeric(buildings["levels"], errors="coerce").fillna(1).to_numpy(float)
              if "levels" in buildings.columns else np.ones(len(buildings)))
    area = footprint * np.maximum(levels, 1)
    if "floor_area_m2" in buildings.columns:
        given = pd.to_numeric(buildings["floor_area_m2"], errors="coerce").to_numpy(float)
        area = np.where(np.isfinite(given) & (given > 0), given, area)
    return area


def demand_points(juwei: gpd.GeoDataFrame, populations=None,
                  buildings: gpd.GeoDataFrame | None = None,
                  residential_land: gpd.GeoDataFrame | None = None,
                  cell_m: float = DEFAULT_CELL_M) -> gpd.GeoDataFrame:
    """Demand points: each 居委's population where its residents live.

    Parameters
    ----------
    juwei : GeoDataFrame
        The 居委 polygons (``id``, ``name``, estimate in ``population``); any CRS with a CRS set.
    populations : mapping or DataFrame, optional
        Entered figures (see :func:`juwei_populations`).
    buildings : GeoDataFrame, optional
        Building footprints with ``floor_area_m2`` (m², gross) or ``levels``, and ``building``
        (OSM tag); the OSM onboarding's ``buildings`` layer. A 居委 spreads over its buildings
        whose representative point lies inside it: the residential ones when any building there
        is known residential, else every one not known non-residential.
    residential_land : GeoDataFrame, optional
        Residential land polygons; a 居委 without buildings spreads over the part of it inside
        the 居委 (or over the whole 居委 when none is).
    cell_m : float, default 25
        Grid spacing of the land spread, metres.

    Returns
    -------
    GeoDataFrame
        Points in TOWN_CRS (metres) with :data:`OUTPUT_COLUMNS`: per building (its representative
        point; ``floor_area_m2`` its floor area) or per grid cell (``floor_area_m2`` NaN);
        ``area_index`` is the 居委's row position in ``juwei`` (as in
        :func:`songnan_geo.lifecircle.coverage.population_grid`).
        ``population`` of a 居委's points sums to its population.
    """
    require_crs(juwei, "juwei")
    pops = juwei_populations(juwei, populations)
    polys = juwei.geometry.to_crs(TOWN_CRS).to_numpy()
    parts = []
    done = np.zeros(len(juwei), dtype=bool)
    if buildings is not None and len(buildings):
        require_crs(buildings, "buildings")
        parts.append(_spread_buildings(polys, pops, buildings, done))
    todo = np.flatnonzero(~done)
    if len(todo):
        parts.append(_spread_land(polys, pops, todo, residential_land, cell_m))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
        else pd.DataFrame(columns=[*OUTPUT_COLUMNS, "geometry"])
    return gpd.GeoDataFrame(out[list(OUTPUT_COLUMNS) + ["geometry"]], geometry="geometry",
                            crs=TOWN_CRS)


def _rows(pops: pd.DataFrame, owner: np.ndarray, share: np.ndarray, method: str,
          geometry: np.ndarray, floor_area: np.ndarray) -> pd.DataFrame:
    p = pops.iloc[owner]
    return pd.DataFrame({
        "area_index": owner, "juwei_id": p["juwei_id"].to_numpy(), "juwei_name": p["juwei_name"].to_numpy(),
        "population": p["population"].to_numpy(float) * share,
        "population_source": p["population_source"].to_numpy(),
        "estimated": p["estimated"].to_numpy(bool), "method": method,
        "floor_area_m2": floor_area, "geometry": geometry})


def _spread_buildings(polys, pops, buildings, done) -> pd.DataFrame:
    b = buildings.to_crs(TOWN_CRS)
    pts = shapely.point_on_surface(b.geometry.to_numpy())
    area = _floor_area_m2(b)
    known, maybe = residential_buildings(b)
    tree = shapely.STRtree(polys)
    bi, ji = tree.query(pts, predicate="within")
    owner = np.full(len(b), -1)
    owner[bi] = ji           # a point on a shared edge lies within neither; one inside: one 居委
    chosen_owner, chosen, shares = [], [], []
    for j in range(len(polys)):
        mine = np.flatnonzero((owner == j) & (area > 0))
        use = mine[known[mine]] if known[mine].any() else mine[maybe[mine]]
        if not len(use):
            continue
        done[j] = True
        chosen_owner.append(np.full(len(use), j))
        chosen.append(use)
        shares.append(area[use] / area[use].sum())
    if not chosen:
        return pd.DataFrame()
    idx = np.concatenate(chosen)
    return _rows(pops, np.concatenate(chosen_owner), np.concatenate(shares), "buildings",
                 pts[idx], area[idx])


def _spread_land(polys, pops, todo, residential_land, cell_m) -> pd.DataFrame:
    areas = polys[todo]
    if residential_land is not None and len(residential_land):
        require_crs(residential_land, "residential_land")
        land = shapely.union_all(residential_land.geometry.to_crs(TOWN_CRS).to_numpy())
        cut = shapely.intersection(areas, land)
        usable = ~shapely.is_empty(cut) & (shapely.area(cut) > 0)
        areas = np.where(usable, cut, areas)
    grid = population_grid(gpd.GeoDataFrame({"w": np.ones(len(areas))}, geometry=areas,
                                            crs=TOWN_CRS), cell_m=cell_m, weight="w")
    owner = todo[grid["area_index"].to_numpy()]
    return _rows(pops, owner, grid["weight"].to_numpy(float), "land",
                 grid.geometry.to_numpy(), np.full(len(grid), np.nan))


def resident_demand(layers: Mapping[str, gpd.GeoDataFrame], entered_populations=None,
                    cell_m: float = DEFAULT_CELL_M) -> gpd.GeoDataFrame:
    """The demand points of coverage and 2SFCA, from the app's layers.

    Parameters
    ----------
    layers : mapping
        Layer name → GeoDataFrame (``st.session_state["layers"]``): ``residential`` (the 居委,
        required), ``buildings`` (optional, the OSM onboarding's layer), ``residential_land``
        (optional).
    entered_populations : mapping or DataFrame, optional
        :meth:`songnan_geo.store.population.PopulationStore.entered` (居委 id →
        {population, source, year, …}); None: the layer's estimates only.
    cell_m : float, default 25
        Grid spacing (metres) where a 居委 spreads over land.

    Returns
    -------
    GeoDataFrame
        :func:`demand_points` (TOWN_CRS, metres): weight column ``population``.
    """
    return demand_points(layers["residential"], entered_populations, buildings=layers.get("buildings"),
                         residential_land=layers.get("residential_land"), cell_m=cell_m)


def population_table(juwei: gpd.GeoDataFrame, current: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per 居委 for the population page: its figure and where it comes from.

    Parameters
    ----------
    juwei : GeoDataFrame
        The 居委 layer (``id``, official ``name``, estimate in ``population``).
    current : DataFrame, optional
        :meth:`songnan_geo.store.population.PopulationStore.current` (``juwei_id``, ``population``,
        ``source``, ``year``, ``username``, ``recorded_at``, ``version``).

    Returns
    -------
    DataFrame
        ``juwei_id``, ``name``, ``population`` (residents, whole), ``source``, ``year``,
        ``estimated``, ``username``, ``recorded_at`` (UTC ISO; empty for the estimate), ``version``
        (0 for the estimate).
    """
    cur = current if current is not None else pd.DataFrame(
        columns=["juwei_id", "population", "source", "year", "username", "recorded_at", "version"])
    pops = juwei_populations(juwei, cur)
    by_id = {str(r["juwei_id"]): r for r in cur.to_dict("records")}
    rows = []
    for p in pops.to_dict("records"):
        e = by_id.get(p["juwei_id"])
        rows.append({"juwei_id": p["juwei_id"], "name": p["juwei_name"],
                     "population": int(round(p["population"])),
                     "source": e["source"] if e else p["population_source"],
                     "year": int(e["year"]) if e else None, "estimated": p["estimated"],
                     "username": e["username"] if e else "",
                     "recorded_at": e["recorded_at"] if e else "",
                     "version": int(e["version"]) if e else 0})
    return pd.DataFrame(rows)
