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

from songnan_geo.lifecircle.coverage import (
    _geoms,
    access_points,
    facility_radius_m,
    metric_crs,
    population_grid,
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
                 per: float = 1000.0) -> pd.DataFrame:
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
    fgeom = _geoms(facilities, crs, "facilities")
    radius = facility_radius_m(facilities, radius_m, type_field)
    cap, assumed = _capacity(facilities, capacity)
    grid = population_grid(residential.to_crs(crs), cell_m=cell_m, weight=pop_field)
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


