"""Supply against demand: two-step floating catchment area (2SFCA) per capita.

Computed with the ``access`` package (pysal/access, BSD-3-Clause,
:meth:`access.Access.two_stage_fca`): step 1 gives each facility the ratio of its
capacity to the population within its catchment; step 2 sums, for each resident, the
ratios of the facilities whose catchment reaches them. Each facility keeps its own
catchment (its standard's radius): distances are divided by the facility's radius
and the catchment is "normalised distance ≤ 1".

Demand is the population grid of :func:`songnan_geo.lifecircle.coverage.population_grid` (a
居委's population spread over its residential area); the per-居委 value is the
population-weighted mean over its grid points. Where a facility's capacity is unknown
(``capacity`` null — all of them in the current data) it counts as 1, so the result
reads "facilities per resident within reach" and says so (``capacity_assumed``).
"""
from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from songnan_geo.lifecircle.coverage import (
    access_points,
    facility_radius_m,
    metric_crs,
    population_grid,
    projected_geoms,
)
from songnan_geo.lifecircle.network import WalkNetwork


def _capacity(facilities: gpd.GeoDataFrame, capacity: str | None):
    if capacity is None or capacity not in facilities.columns:
        return np.ones(len(facilities)), np.ones(len(facilities), bool)
    cap = pd.to_numeric(facilities[capacity], errors="coerce").to_numpy(float)
    assumed = ~np.isfinite(cap) | (cap < 0)
    return np.where(assumed, 1.0, cap), assumed


def two_step_fca(residential: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, radius_m,
                 method: str = "euclidean", network: WalkNetwork | None = None,
                 pop_field: str = "population", capacity: str | None = "capacity",
                 type_field: str = "type", cell_m: float = 50.0,
                 per: float = 1000.0, demand: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """2SFCA accessibility of each area (e.g. 居委).

    Parameters
    ----------
    residential : GeoDataFrame
        Areas with a population column ``pop_field``; any CRS with a CRS set.
    facilities : GeoDataFrame
        Facility points or polygons, with ``capacity`` (beds, seats…; null = unknown).
    radius_m : float, mapping type → float, or array-like
        Catchment radius of each facility, metres (straight line or walking).
    method : {"euclidean", "network"}
    network : WalkNetwork, for the network method.
    cell_m : float, default 50
        Grid spacing (metres) of the demand points.
    per : float, default 1000
        Result per this many residents.
    demand : GeoDataFrame, optional
        Demand points to use instead of the even grid: points with ``area_index`` (row position
        in ``residential``) and ``pop_field``, e.g.
        :func:`songnan_geo.lifecircle.population.resident_demand` (residents where they live).

    Returns
    -------
    pandas.DataFrame
        One row per area (same order): ``access_per_1000`` (capacity units — or
        facilities, where capacity is assumed — per ``per`` residents within reach;
        the column name follows ``per``), ``capacity_assumed`` (True when any facility
        had no capacity and counted as 1).
    """
    from access import Access  # imported here: only this analysis needs it

    if network is None and method == "network":
        raise ValueError("method='network' needs network=WalkNetwork.from_roads(roads).")
    crs = metric_crs(residential, "residential") if method == "euclidean" else network.crs
    fgeom = projected_geoms(facilities, crs, "facilities")
    radius = facility_radius_m(facilities, radius_m, type_field)
    cap, assumed = _capacity(facilities, capacity)
    if demand is None:
        grid = population_grid(residential.to_crs(crs), cell_m=cell_m, weight=pop_field)
    else:
        if pop_field not in demand.columns or "area_index" not in demand.columns:
            raise ValueError(f"demand needs the columns 'area_index' and '{pop_field}' "
                             "(see songnan_geo.lifecircle.population.demand_points).")
        w = pd.to_numeric(demand[pop_field], errors="coerce").to_numpy(float)
        if not (np.isfinite(w) & (w >= 0)).all():
            raise ValueError(f"demand '{pop_field}' has values that are not non-negative numbers.")
        grid = demand.to_crs(crs).assign(weight=w)
    gxy = shapely.get_coordinates(grid.geometry.values.to_numpy())
    if method == "network":
        dist = network.distance_matrix_m(gxy, access_points(network, fgeom),
                                         limit_m=float(radius.max()))
    else:
        dist = shapely.distance(shapely.points(gxy)[:, None], fgeom[None, :])
    norm = dist / radius[None, :]
    i, j = np.nonzero(norm <= 1.0)
    col = f"access_per_{per:g}"
    out = pd.DataFrame({col: np.zeros(len(residential)),
                        "capacity_assumed": np.full(len(residential), bool(assumed.any()))})
    if len(i) == 0 or len(fgeom) == 0:
        return out
    demand = pd.DataFrame({"id": np.arange(len(grid)), "pop": grid["weight"].to_numpy()})
    supply = pd.DataFrame({"id": np.arange(len(fgeom)), "cap": cap})
    cost = pd.DataFrame({"origin": i, "dest": j, "cost": norm[i, j]})
    with warnings.catch_warnings():
        # access 1.1.10 calls DataFrame.set_index(inplace=True), deprecated in pandas 3.1.
        warnings.filterwarnings("ignore", module=r"access(\.|$)")
        acc = Access(demand_df=demand, demand_index="id", demand_value="pop", supply_df=supply,
                     supply_index="id", supply_value="cap", cost_df=cost, cost_origin="origin",
                     cost_dest="dest", cost_name="cost")
        ratio = acc.two_stage_fca(name="fca", max_cost=1.0).iloc[:, 0]
    ratio = ratio.reindex(demand["id"]).fillna(0.0).to_numpy()
    owner = grid["area_index"].to_numpy()
    w = grid["weight"].to_numpy()
    num = np.bincount(owner, weights=ratio * w, minlength=len(residential))
    den = np.bincount(owner, weights=w, minlength=len(residential))
    out[col] = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0) * per
    return out




def two_step_fca_xy(demand_xy, demand_w, facility_xy, capacity, radius_m,
                    per: float = 1000.0) -> np.ndarray:
    """2SFCA on point arrays with straight-line catchments (core for large inputs).

    The same two steps as :func:`two_step_fca` (catchment = distance ≤ the facility's
    radius): ``R_j = S_j / Σ_{i in catchment j} P_i``, ``A_i = Σ_{j reaching i} R_j``,
    computed with a KD-tree over the demand and sparse pairs (no dense matrix), so 1 M
    demand points × 10 k facilities fit in memory.

    Parameters
    ----------
    demand_xy : (n, 2) metres; demand_w : (n,) people
    facility_xy : (k, 2) metres (same CRS); capacity : (k,) beds/places/seats
    radius_m : float or (k,) metres
    per : float, default 1000 — result per this many residents

    Returns
    -------
    ndarray (n,)
        Capacity within reach per ``per`` residents at each demand point.
    """
    dxy = np.asarray(demand_xy, float).reshape(-1, 2)
    w = np.asarray(demand_w, float)
    fxy = np.asarray(facility_xy, float).reshape(-1, 2)
    cap = np.asarray(capacity, float)
    r = np.broadcast_to(np.asarray(radius_m, float), (len(fxy),))
    out = np.zeros(len(dxy))
    if len(fxy) == 0 or len(dxy) == 0:
        return out
    tree = cKDTree(dxy)
    pairs_i, pairs_j = [], []
    for rr in np.unique(r):
        sel = np.flatnonzero(r == rr)
        pairs = cKDTree(fxy[sel]).sparse_distance_matrix(tree, rr, output_type="ndarray")
        pairs_j.append(sel[pairs["i"]])
        pairs_i.append(pairs["j"].astype(np.int64))
    i, j = np.concatenate(pairs_i), np.concatenate(pairs_j)
    pop = np.bincount(j, weights=w[i], minlength=len(fxy))
    ratio = np.where(pop > 0, cap / np.where(pop > 0, pop, 1), 0.0)
    return np.bincount(i, weights=ratio[j], minlength=len(dxy)) * per
