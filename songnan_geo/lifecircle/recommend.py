"""New sites and supply for a life-circle result: what the coverage page, the ``coverage``
command and the health-check report ask once :func:`songnan_geo.lifecircle.scenario.run_scenario`
has answered.

* :func:`recommend_sites`: the best ``k`` new sites of a facility type among candidates, the
  existing facilities kept fixed, with the gain of each (MCLP, greedy, or capacitated MCLP
  through :mod:`songnan_geo.lifecircle.siting`); distances in metres in
  :data:`songnan_geo.coords.crs.TOWN_CRS`, straight or walking as the result's method;
* :func:`capacities_known`: whether every existing facility of a type has a capacity;
* :func:`supply_per_1000`: places per 1,000 residents by 2SFCA
  (:mod:`songnan_geo.lifecircle.access2sfca`) where capacities are known, never a guess.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.lifecircle.coverage import access_points
from songnan_geo.lifecircle.scenario import LifeCircleResult, ScenarioError
from songnan_geo.text.error_messages import msg


def recommend_sites(result: LifeCircleResult, ftype: str, candidates: gpd.GeoDataFrame,
                    k: int = 3, model: str = "mclp", time_limit_s: float = 30.0, *,
                    new_capacity: float | None = None, capacity: str = "capacity",
                    unknown_capacity: str = "refuse") -> gpd.GeoDataFrame:
    """New sites for ``ftype`` among ``candidates``, the existing facilities kept fixed.

    ``model="capacitated"``: ``k`` new sites serving the most residents within capacity
    (:class:`songnan_geo.lifecircle.siting.CapacitatedSiting`): each existing facility serves
    at most its ``capacity`` column (residents; unknown ones are refused by name, or unlimited
    with ``unknown_capacity="uncapacitated"``), each new site at most ``new_capacity``. On
    the population basis only. ``gain`` and ``share_after`` then count residents *served*;
    the frame's ``attrs["served_before"]`` is the share the existing facilities serve, and
    a ``load`` column gives the residents each new site serves in one optimal assignment.

    ``model``: "mclp" (``k`` new sites, optimal), "lscp" (fewest sites reaching all) —
    solved by :class:`songnan_geo.siting.CoverageSiting` (spopt + CBC) — or "greedy"
    (``k`` times the site adding most; fast, at least 63 % of the optimum gain). On
    the result's own sample points, weights and distances, so the gains add to
    the per-type figure. Points the existing facilities already reach are left out of the
    model (they stay covered whatever is added).

    Returns
    -------
    GeoDataFrame (TOWN_CRS)
        One row per chosen site in the order of their marginal gain: ``order``,
        ``gain`` (people, or m² on the area basis), ``gain_pp`` (percentage points of the
        type's indicator), ``share_after`` (0–1, after this and the sites before it).
    """
    from songnan_geo.lifecircle.siting import CoverageSiting

    if model == "capacitated":
        return _capacitated_sites(result, ftype, candidates, k, new_capacity, capacity,
                                  unknown_capacity, time_limit_s)
    r = result.radius_m[ftype]
    w = result.sample.population if result.basis == "population" else result.sample.area_m2
    todo = np.flatnonzero(~result.covered[ftype] & (w > 0))
    cand = candidates.to_crs(TOWN_CRS).reset_index(drop=True)
    cgeom = cand.geometry.values.to_numpy()
    empty = cand.iloc[:0].assign(order=[], gain=[], gain_pp=[], share_after=[])
    if len(todo) == 0 or len(cand) == 0:
        return empty
    xy = result.sample.xy[todo]
    if result.method == "network":
        dist = result.network.distance_matrix_m(xy, access_points(result.network, cgeom), limit_m=r)
    else:
        cxy = shapely.get_coordinates(shapely.point_on_surface(cgeom))
        dist = np.hypot(xy[:, None, 0] - cxy[None, :, 0], xy[:, None, 1] - cxy[None, :, 1])
    reach = (dist <= r).any(axis=0)
    if not reach.any():
        return empty
    cols = np.flatnonzero(reach)
    # Points with the same set of reaching candidates are one demand row (weights summed):
    # an exact reduction that keeps the model small.
    cover = dist[:, cols] <= r
    useful = cover.any(axis=1)
    patterns, inverse = np.unique(np.packbits(cover[useful], axis=1), axis=0, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=w[todo][useful], minlength=len(patterns))
    rows_cover = np.unpackbits(patterns, axis=1, count=len(cols)).astype(bool)
    siting = CoverageSiting(np.where(rows_cover, 0.0, 2.0 * r), weight, r)
    if model == "greedy":  # fast (report): add the site with the largest marginal gain, k times
        chosen, hit = [], np.zeros(len(weight), bool)
        for _ in range(int(min(k, len(cols)))):
            gain = (siting.cover & ~hit[:, None]).T.astype(float) @ weight
            gain[chosen] = -1.0
            if gain.max() <= 0:
                break
            chosen.append(int(np.argmax(gain)))
            hit |= siting.cover[:, chosen[-1]]
    else:
        out = (siting.mclp(int(min(k, len(cols))), time_limit_s=time_limit_s) if model == "mclp"
               else siting.lscp(time_limit_s=time_limit_s, uncoverable="drop"))
        chosen = list(out.chosen)
    total = float(w.sum())
    base = float(w[result.covered[ftype]].sum())
    hit = np.zeros(len(weight), bool)
    rows = []
    while chosen:  # greedy order of the chosen sites by marginal gain
        gains = [float(weight[siting.cover[:, c] & ~hit].sum()) for c in chosen]
        best = int(np.argmax(gains))
        c = chosen.pop(best)
        hit |= siting.cover[:, c]
        base += gains[best]
        rows.append({"site": int(cols[c]), "gain": gains[best],
                     "gain_pp": 100.0 * gains[best] / total if total else 0.0,
                     "share_after": base / total if total else 0.0})
    picked = cand.iloc[[x["site"] for x in rows]].reset_index(drop=True)
    for key in ("gain", "gain_pp", "share_after"):
        picked[key] = [x[key] for x in rows]
    picked.insert(0, "order", np.arange(1, len(rows) + 1))
    return picked


def capacities_known(result: LifeCircleResult, ftype: str, capacity: str = "capacity") -> bool:
    """True when every existing facility of ``ftype`` has a capacity (a number ≥ 0) in its
    ``capacity`` column (or there is none), so capacitated siting can run without guessing."""
    fac = result.facilities[(result.facilities["type"] == ftype) & ~result.facilities["candidate"]]
    if not len(fac):
        return True
    if capacity not in fac.columns:
        return False
    cap = pd.to_numeric(fac[capacity], errors="coerce")
    return bool((cap.notna() & (cap >= 0) & np.isfinite(cap)).all())


def _capacitated_sites(result: LifeCircleResult, ftype: str, candidates: gpd.GeoDataFrame, k: int,
                       new_capacity, capacity: str, unknown_capacity: str,
                       time_limit_s: float) -> gpd.GeoDataFrame:
    """Capacitated MCLP on the result's sample (see :func:`recommend_sites`)."""
    from songnan_geo.lifecircle.siting import CapacitatedSiting

    if result.basis != "population":
        raise ScenarioError([msg("scenario_capacity_basis")])
    r = result.radius_m[ftype]
    fac = result.facilities
    old = fac[(fac["type"] == ftype) & ~fac["candidate"]].reset_index(drop=True)
    cand = candidates.to_crs(TOWN_CRS).reset_index(drop=True)
    empty = cand.iloc[:0].assign(order=[], gain=[], gain_pp=[], share_after=[], load=[])
    w = result.sample.population
    pts = np.flatnonzero(w > 0)
    if len(cand) == 0 or len(pts) == 0:
        return empty
    xy = result.sample.xy[pts]
    ogeom, cgeom = old.geometry.values.to_numpy(), cand.geometry.values.to_numpy()
    if result.method == "network":
        dist = result.network.distance_matrix_m(
            xy, access_points(result.network, np.concatenate([ogeom, cgeom])), limit_m=r)
    else:  # existing as the coverage measures them; candidates at a point on their surface
        p = shapely.points(xy)
        dist = np.concatenate([shapely.distance(p[:, None], ogeom[None, :]).reshape(len(xy), -1),
                               shapely.distance(p[:, None], shapely.point_on_surface(cgeom)[None, :])],
                              axis=1)
    cover = dist <= r
    cols = np.r_[np.arange(len(old)), len(old) + np.flatnonzero(cover[:, len(old):].any(axis=0))]
    if len(cols) == len(old):
        return empty
    cover = cover[:, cols]
    useful = cover.any(axis=1)
    # Points with the same reaching sites are one demand row (exact for fractional service).
    patterns, inverse = np.unique(np.packbits(cover[useful], axis=1), axis=0, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=w[pts][useful], minlength=len(patterns))
    rows_cover = np.unpackbits(patterns, axis=1, count=len(cols)).astype(bool)
    cap_old = (pd.to_numeric(old[capacity], errors="coerce").to_numpy(float)
               if capacity in old.columns else np.full(len(old), np.nan))
    new = float("nan") if new_capacity is None else float(new_capacity)
    names = [str(x) for x in (old["name"] if "name" in old.columns else old.index)] + [
        str(x) for x in (cand["name"] if "name" in cand.columns else cand.index)]
    model = CapacitatedSiting(np.where(rows_cover, 0.0, 2.0 * r), weight, r,
                              np.r_[cap_old, np.full(len(cols) - len(old), new)],
                              n_existing=len(old), unknown_capacity=unknown_capacity,
                              names=[names[c] for c in cols])
    out = model.mclp(int(min(k, model.n_candidates)), time_limit_s=time_limit_s)
    total = float(w.sum())
    base = out.existing_served
    rows = []
    for c, gain in zip(out.chosen, out.gain):
        base += gain
        rows.append({"site": int(cols[len(old) + c] - len(old)), "gain": gain,
                     "gain_pp": 100.0 * gain / total if total else 0.0,
                     "share_after": base / total if total else 0.0,
                     "load": float(out.load[len(old) + c])})
    picked = cand.iloc[[x["site"] for x in rows]].reset_index(drop=True)
    for key in ("gain", "gain_pp", "share_after", "load"):
        picked[key] = [x[key] for x in rows]
    picked.insert(0, "order", np.arange(1, len(rows) + 1))
    picked.attrs["served_before"] = out.existing_served / total if total else 0.0
    return picked


def supply_per_1000(result: LifeCircleResult, ftype: str, capacity: str = "capacity"):
    """Capacity (beds, places, seats) per 1,000 residents within reach, by 2SFCA.

    Uses :func:`songnan_geo.access2sfca.two_step_fca` with the type's radius and the
    result's method. Returns ``None`` when no facility of the type has a known capacity;
    else ``(town_value, per_area DataFrame[id, name, population, per_1000], n_known,
    n_facilities)``; the town value is the population-weighted mean of the 居委 values.
    """
    from songnan_geo.lifecircle.access2sfca import two_step_fca

    fac = result.facilities[result.facilities["type"] == ftype]
    if capacity not in fac.columns:
        return None
    cap = pd.to_numeric(fac[capacity], errors="coerce")
    known = cap.notna() & (cap >= 0)
    if not known.any():
        return None
    fca = two_step_fca(result.residential, fac[known], {ftype: result.radius_m[ftype]},
                       method=result.method, network=result.network, capacity=capacity)
    pop = pd.to_numeric(result.residential["population"], errors="coerce").fillna(0).to_numpy(float)
    per = fca["access_per_1000"].to_numpy(float)
    town = float((per * pop).sum() / pop.sum()) if pop.sum() > 0 else 0.0
    table = pd.DataFrame({"id": result.residential["id"], "name": result.residential["name"],
                          "population": pop, "per_1000": per})
    return town, table, int(known.sum()), len(fac)
