"""Optimal siting of new facilities: MCLP and LSCP with spopt and the CBC solver.

* **MCLP** (maximal covering location problem): choose ``k`` new sites among the
  candidates so that, together with the existing facilities (always kept), the most
  demand weight (population) lies within the service radius.
* **LSCP** (location set covering problem): the fewest new sites that, with the
  existing ones, put every demand point within the radius.
* **Capacitated MCLP** (:class:`CapacitatedSiting`): ``k`` new sites so that the most residents
  are *served*: each site (existing, with its known capacity; new, with the capacity the
  planner gives) serves at most its capacity of residents, and only residents within its
  service distance. spopt 0.7.0 has capacities for LSCP and the p-median but not for MCLP
  (pysal/spopt issue #415, open); the model here is spopt's MCLP problem extended with
  spopt's capacitated schema (the CLSCP-SO's): fractional assignment variables ``z[i_j]``
  for the pairs within the radius and ``Σ_i a_i z_ij ≤ C_j x_j``.

:class:`CoverageSiting` is the core model over a distance matrix (metres, demand ×
sites, existing sites first); :meth:`CoverageSiting.from_geodataframes` is the
GeoDataFrame adapter (Euclidean or walking distances). The integer programmes are
built by :mod:`spopt.locate` (BSD-3-Clause) and solved by CBC through PuLP (the CBC
binary bundled with PuLP, used via ``COIN_CMD``). A solve that is infeasible, hits the
time limit or fails raises :class:`SitingError` with a readable message.

PuLP ≥ 3.3 emits a DeprecationWarning for every variable spopt creates (its PuLP 4.0
migration notices); they are switched off with PuLP's own switch,
``pulp.set_v4_migration_warnings(False)``, which silences only those notices.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from songnan_geo.lifecircle.coverage import access_points, demand_weights, metric_crs, projected_geoms
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.text.error_messages import msg
from songnan_geo.text.messages import LocalisedError

#: Default solver time limit, seconds.
DEFAULT_TIME_LIMIT_S = 60


class SitingError(LocalisedError, RuntimeError):
    """A siting model could not be solved; the message says why and what to change.

    ``str(exc)`` is English, ``exc.text("zh")`` Chinese
    (:mod:`songnan_geo.text.error_messages`)."""


@dataclass
class SitingResult:
    """Outcome of a solve.

    ``chosen`` are the positions of the chosen *new* sites among the candidates (the
    columns after the existing ones); ``covered_weight`` / ``total_weight`` /
    ``share`` count the demand within the radius of the existing plus chosen sites.
    """

    model: str
    chosen: list[int]
    covered_weight: float
    total_weight: float
    share: float
    uncoverable: list[int] = field(default_factory=list)  # demand rows no site can cover


def _quiet_pulp():
    """Import PuLP with its PuLP-4.0 migration notices off (before spopt builds a model)."""
    import pulp

    pulp.set_v4_migration_warnings(False)
    return pulp


def _solver(time_limit_s: float):
    pulp = _quiet_pulp()
    from pulp.apis.coin_api import pulp_cbc_path

    path = pulp.COIN_CMD.executableExtension(pulp_cbc_path)
    return pulp.COIN_CMD(path=path, msg=False, timeLimit=time_limit_s)


def solve_model(model, name: str, time_limit_s: float) -> None:
    """Solve a spopt model with CBC; any status but optimal is a :class:`SitingError`."""
    import pulp

    try:
        model.solve(_solver(time_limit_s))
    except pulp.PulpSolverError as exc:
        raise SitingError(msg("siting_solver_failed", model=name, error=str(exc))) from exc
    except RuntimeError as exc:  # spopt's check_status: not optimal
        status = pulp.LpStatus.get(model.problem.status, str(model.problem.status))
        hint = {"Infeasible": msg("siting_infeasible"),
                "Not Solved": msg("siting_time_limit", time_limit_s=time_limit_s),
                "Unbounded": msg("siting_unbounded")}
        raise SitingError(msg("siting_not_optimal", model=name, status=status,
                              hint=hint.get(status, msg("siting_no_optimum")))) from exc


class CoverageSiting:
    """Siting model over a distance matrix.

    Parameters
    ----------
    dist_m : array (n_demand, n_sites)
        Distance (metres) from each demand point to each site; ``inf`` = unreachable.
        Columns: the ``n_existing`` existing facilities first, then the candidates.
    weights : array (n_demand,)
        Demand weight (e.g. residents), non-negative.
    radius_m : float
        Service distance, metres (a distance equal to it counts as covered).
    n_existing : int, default 0
        How many leading columns are existing facilities (kept in every solution).
    """

    def __init__(self, dist_m, weights, radius_m: float, n_existing: int = 0):
        d = np.asarray(dist_m, dtype=float)
        w = np.asarray(weights, dtype=float)
        if d.ndim != 2:
            raise ValueError(f"dist_m has shape {d.shape}; pass a (demand × sites) matrix in metres.")
        if w.shape != (d.shape[0],):
            raise ValueError(f"weights has {w.size} values for {d.shape[0]} demand rows; give one "
                             "weight per row of dist_m.")
        if not (np.isfinite(w).all() and (w >= 0).all()):
            raise ValueError("weights must be non-negative numbers.")
        if not radius_m > 0:
            raise ValueError(f"radius_m is {radius_m!r}; give a service distance in metres > 0.")
        if not 0 <= n_existing <= d.shape[1]:
            raise ValueError(f"n_existing is {n_existing}; it must be between 0 and the number of "
                             f"sites ({d.shape[1]}).")
        self.dist_m, self.weights, self.radius_m = d, w, float(radius_m)
        self.n_existing = int(n_existing)
        self.cover = d <= self.radius_m  # (n_demand, n_sites)

    @property
    def n_candidates(self) -> int:
        return self.dist_m.shape[1] - self.n_existing

    # ------------------------------------------------------------------ adapter

    @classmethod
    def from_geodataframes(cls, demand: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame,
                           radius_m: float, existing: gpd.GeoDataFrame | None = None,
                           weight: str | None = "weight", method: str = "euclidean",
                           network: WalkNetwork | None = None) -> "CoverageSiting":
        """Build the model from demand points and candidate/existing sites.

        Parameters
        ----------
        demand : GeoDataFrame
            Demand points (e.g. :func:`songnan_geo.lifecircle.coverage.population_grid` cells), any
            CRS with a CRS set; ``weight`` column (None: 1 each).
        candidates : GeoDataFrame
            Candidate sites (points or polygons).
        radius_m : float
            Service distance, metres.
        existing : GeoDataFrame, optional
            Existing facilities, kept in every solution.
        method : {"euclidean", "network"}
            Straight-line metres in the metric CRS, or walking metres along ``network``.
        """
        if method not in ("euclidean", "network"):
            raise ValueError(f"method is {method!r}; use 'euclidean' or 'network'.")
        if method == "network" and not isinstance(network, WalkNetwork):
            raise ValueError("method='network' needs network=WalkNetwork.from_roads(roads).")
        crs = network.crs if method == "network" else metric_crs(demand, "demand")
        dgeom = projected_geoms(demand, crs, "demand")
        sites = [projected_geoms(existing, crs, "existing")] if existing is not None and len(existing) else []
        n_existing = len(sites[0]) if sites else 0
        sites.append(projected_geoms(candidates, crs, "candidates") if len(candidates) else np.array([]))
        sgeom = np.concatenate(sites) if sites else np.array([])
        w = demand_weights(demand, weight, "demand")
        if method == "network":
            dxy = shapely.get_coordinates(shapely.point_on_surface(dgeom))
            dist = network.distance_matrix_m(dxy, access_points(network, sgeom),
                                             limit_m=float(radius_m))
        else:
            dist = shapely.distance(dgeom[:, None], sgeom[None, :])
        return cls(dist, w, radius_m, n_existing=n_existing)

    # ------------------------------------------------------------------ solving

    def _result(self, name: str, chosen: list[int]) -> SitingResult:
        cols = list(range(self.n_existing)) + [self.n_existing + c for c in chosen]
        covered = self.cover[:, cols].any(axis=1) if cols else np.zeros(len(self.weights), bool)
        total = float(self.weights.sum())
        cw = float(self.weights[covered].sum())
        return SitingResult(name, sorted(chosen), cw, total, cw / total if total > 0 else 0.0,
                            uncoverable=np.flatnonzero(~self.cover.any(axis=1)).tolist())

    def _solve(self, model, name: str, time_limit_s: float):
        solve_model(model, name, time_limit_s)
        fac = np.array([v.value() or 0.0 for v in model.fac_vars])
        return [int(i) - self.n_existing for i in np.flatnonzero(fac > 0.5) if i >= self.n_existing]

    def mclp(self, k: int, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> SitingResult:
        """Choose ``k`` new sites covering the most demand weight (existing sites kept).

        Raises
        ------
        SitingError
            If ``k`` is out of range or the solver fails (message says which).
        """
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise SitingError(msg("siting_k_too_small", k=k))
        if k > self.n_candidates:
            raise SitingError(msg("siting_k_too_large", k=k, n=self.n_candidates))
        _quiet_pulp()
        from spopt.locate import MCLP

        predefined = np.r_[np.ones(self.n_existing), np.zeros(self.n_candidates)].astype(int)
        # spopt fixes the facilities whose predefined flag is 1; p counts them too.
        model = MCLP.from_cost_matrix(self.dist_m, self.weights, service_radius=self.radius_m,
                                      p_facilities=int(k) + self.n_existing,
                                      predefined_facilities_arr=predefined if self.n_existing else None,
                                      name="mclp")
        return self._result("MCLP", self._solve(model, "MCLP", time_limit_s))

    def lscp(self, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
             uncoverable: str = "raise") -> SitingResult:
        """The fewest new sites that put every demand point within the radius.

        Parameters
        ----------
        uncoverable : {"raise", "drop"}, default "raise"
            Demand that no site (existing or candidate) can reach makes the problem
            infeasible: "raise" names those rows; "drop" leaves them out and lists them
            in the result's ``uncoverable``.
        """
        if uncoverable not in ("raise", "drop"):
            raise ValueError(f"uncoverable is {uncoverable!r}; use 'raise' or 'drop'.")
        reach = self.cover.any(axis=1)
        if not reach.all():
            rows = np.flatnonzero(~reach)
            if uncoverable == "raise":
                raise SitingError(msg(
                    "siting_uncoverable", n=len(rows), rows=[int(r) for r in rows[:10]],
                    more=" …" if len(rows) > 10 else "", weight=float(self.weights[rows].sum()),
                    radius_m=self.radius_m))
        keep = np.flatnonzero(reach)
        if self.n_existing and self.cover[keep][:, :self.n_existing].any(axis=1).all():
            return self._result("LSCP", [])  # the existing sites already cover everyone
        _quiet_pulp()
        from spopt.locate import LSCP

        dist = self.dist_m[keep]
        predefined = np.r_[np.ones(self.n_existing), np.zeros(self.n_candidates)].astype(int)
        model = LSCP.from_cost_matrix(dist, service_radius=self.radius_m,
                                      predefined_facilities_arr=predefined if self.n_existing else None,
                                      name="lscp")
        return self._result("LSCP", self._solve(model, "LSCP", time_limit_s))


@dataclass
class CapacitatedSitingResult:
    """Outcome of :meth:`CapacitatedSiting.mclp` (weights are residents, or what was given).

    ``chosen``: positions of the new sites among the candidates, in the order of their
    marginal gain (each one's ``gain`` counted after the existing sites and the ones before it).
    ``served_weight``: residents served within capacity by the existing plus chosen sites
    (``share`` of ``total_weight``); ``covered_weight``: residents within reach of them,
    the uncapacitated figure, for comparison; ``existing_served``: served by the existing
    sites alone. ``load``: residents assigned to each site (existing first, then candidates;
    0 where closed) in one optimal assignment (the split between sites with spare capacity
    that reach the same residents is not unique; ``served_weight`` and ``gain`` are).
    """

    model: str
    chosen: list[int]
    gain: list[float]
    served_weight: float
    covered_weight: float
    existing_served: float
    total_weight: float
    share: float
    load: np.ndarray
    uncapacitated: list[int] = field(default_factory=list)  # existing sites taken as unlimited


class CapacitatedSiting:
    """Capacitated maximal covering: ``k`` new sites serving the most residents.

    Each site ``j`` serves at most ``capacity[j]`` of the weight (residents) within
    ``radius_m``; a resident is served at most once (fractions of a demand row may go to
    several sites). The existing sites are kept. Built on spopt's MCLP problem
    (:meth:`spopt.locate.MCLP.from_cost_matrix`: site variables ``x[j]``, the count of sites,
    the fixed existing sites, coverage ``y[i] ≤ Σ x[j]``) extended with spopt's capacitated
    schema: ``z[i_j] ≥ 0`` for each pair within the radius, ``Σ_j z_ij ≤ y_i``,
    ``Σ_i a_i z_ij ≤ C_j x_j``, ``z_ij ≤ x_j``; objective ``max Σ a_i z_ij``.

    Parameters
    ----------
    dist_m, radius_m, n_existing
        As for :class:`CoverageSiting`: metres from each demand point to each site (existing
        sites first), the service distance in metres, and how many sites exist.
    weights : array (n_demand,)
        Residents at each demand point (non-negative).
    capacity : array (n_sites,)
        Residents each site can serve; ``nan`` = unknown (allowed for existing sites only,
        see ``unknown_capacity``), ``inf`` = unlimited (only by ``unknown_capacity``).
    unknown_capacity : {"refuse", "uncapacitated"}, default "refuse"
        An existing site without a known capacity: "refuse" raises :class:`SitingError`
        naming them (served residents cannot be counted honestly without it);
        "uncapacitated" counts it as unlimited, listed in the result's ``uncapacitated``.
    names : sequence of str, optional
        Labels of the sites (existing first) for the messages; default their positions.

    Raises
    ------
    SitingError
        Every capacity problem at once: unknown existing capacities (under "refuse"),
        candidates without a valid capacity, negative or infinite capacities.
    """

    def __init__(self, dist_m, weights, radius_m: float, capacity, n_existing: int = 0,
                 unknown_capacity: str = "refuse", names=None):
        base = CoverageSiting(dist_m, weights, radius_m, n_existing=n_existing)
        cap = np.asarray(capacity, dtype=float).ravel()
        n_sites = base.dist_m.shape[1]
        if cap.shape != (n_sites,):
            raise ValueError(f"capacity has {cap.size} values for {n_sites} sites; give one per "
                             "column of dist_m (existing first, then candidates).")
        names = [str(x) for x in names] if names is not None else [str(i) for i in range(n_sites)]
        if len(names) != n_sites:
            raise ValueError(f"names has {len(names)} labels for {n_sites} sites.")
        problems = []
        if unknown_capacity not in ("refuse", "uncapacitated"):
            problems.append(msg("siting_unknown_capacity_option", value=unknown_capacity))
        ne = base.n_existing
        unknown = np.flatnonzero(np.isnan(cap[:ne]))
        if len(unknown) and unknown_capacity == "refuse":
            problems.append(msg("siting_capacity_unknown", **_listing(names, unknown)))
        bad_new = ne + np.flatnonzero(~(cap[ne:] >= 0) | np.isinf(cap[ne:]))
        if len(bad_new):
            problems.append(msg("siting_capacity_new", **_listing(names, bad_new)))
        bad = np.flatnonzero(np.r_[(cap[:ne] < 0) | np.isinf(cap[:ne]), np.zeros(n_sites - ne, bool)])
        if len(bad):
            problems.append(msg("siting_capacity_negative", **_listing(names, bad)))
        if problems:
            raise SitingError(msg("siting_problems", problems=problems))
        self.uncapacitated = [int(i) for i in unknown]
        cap = cap.copy()
        cap[unknown] = np.inf
        self.base, self.capacity, self.names = base, cap, names
        self.dist_m, self.weights, self.radius_m = base.dist_m, base.weights, base.radius_m
        self.n_existing, self.cover = base.n_existing, base.cover

    @property
    def n_candidates(self) -> int:
        return self.base.n_candidates

    @classmethod
    def from_geodataframes(cls, demand: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame,
                           radius_m: float, new_capacity, existing: gpd.GeoDataFrame | None = None,
                           capacity: str = "capacity", weight: str | None = "weight",
                           method: str = "euclidean", network: WalkNetwork | None = None,
                           unknown_capacity: str = "refuse", name: str = "name"
                           ) -> "CapacitatedSiting":
        """Build the model from demand points and existing/candidate sites (GeoDataFrames).

        Distances as :meth:`CoverageSiting.from_geodataframes` (straight line in the metric
        CRS, or walking metres along ``network``).

        Parameters
        ----------
        new_capacity : float or str
            Residents each new site can serve: one number for every candidate, or the name
            of a column of ``candidates``.
        existing : GeoDataFrame, optional
            Existing facilities with their ``capacity`` column (missing column or null =
            unknown, see ``unknown_capacity``).
        name : str, default "name"
            Column naming the sites in messages (else their row labels).
        """
        base = CoverageSiting.from_geodataframes(demand, candidates, radius_m, existing=existing,
                                                 weight=weight, method=method, network=network)
        has_existing = existing is not None and len(existing)
        frames = ([existing] if has_existing else []) + [candidates]
        names = [str(x) for f in frames
                 for x in (f[name] if name in f.columns else f.index.astype(str))]
        cap_old = (pd.to_numeric(existing[capacity], errors="coerce").to_numpy(float)
                   if has_existing and capacity in existing.columns
                   else np.full(len(existing) if has_existing else 0, np.nan))
        if isinstance(new_capacity, str):
            cap_new = (pd.to_numeric(candidates[new_capacity], errors="coerce").to_numpy(float)
                       if new_capacity in candidates.columns else np.full(len(candidates), np.nan))
        else:
            cap_new = np.full(len(candidates), np.nan if new_capacity is None else float(new_capacity))
        return cls(base.dist_m, base.weights, radius_m, np.r_[cap_old, cap_new],
                   n_existing=base.n_existing, unknown_capacity=unknown_capacity, names=names)

    # ------------------------------------------------------------------ solving

    def served(self, sites) -> tuple[float, np.ndarray]:
        """Residents served by the open ``sites`` (column positions) and each one's load.

        The assignment with the sites fixed is a linear programme (a transportation
        problem), solved exactly by HiGHS (:func:`scipy.optimize.linprog`).
        """
        from scipy.optimize import linprog

        sites = np.asarray(sorted(set(int(j) for j in sites)), dtype=np.int64)
        load = np.zeros(self.dist_m.shape[1])
        rows, cols = np.nonzero(self.cover[:, sites] & (self.weights > 0)[:, None])
        if len(rows) == 0:
            return 0.0, load
        j = sites[cols]
        w = self.weights[rows]
        n = len(rows)
        # Σ_j z_ij ≤ 1 per demand row; Σ_i a_i z_ij ≤ C_j per capacitated site.
        _, r_id = np.unique(rows, return_inverse=True)
        capped = np.isfinite(self.capacity[j])
        site_ids, s_id = np.unique(j[capped], return_inverse=True)
        a = sparse.vstack([
            sparse.csr_matrix((np.ones(n), (r_id.ravel(), np.arange(n)))),
            sparse.csr_matrix((w[capped], (s_id.ravel(), np.flatnonzero(capped))),
                              shape=(len(site_ids), n))]).tocsr()
        b = np.r_[np.ones(r_id.max() + 1), self.capacity[site_ids]]
        res = linprog(-w, A_ub=a, b_ub=b, bounds=(0, 1), method="highs")
        if res.status != 0:
            raise SitingError(msg("siting_not_optimal", model="CMCLP", status=res.message,
                                  hint=msg("siting_no_optimum")))
        np.add.at(load, j, w * res.x)
        return float(-res.fun), load

    def mclp(self, k: int, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> CapacitatedSitingResult:
        """Choose ``k`` new sites serving the most residents within capacity.

        Raises
        ------
        SitingError
            If ``k`` is out of range, or the solver is not optimal (infeasible, time limit,
            failure: the message says which).
        """
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise SitingError(msg("siting_k_too_small", k=k))
        if k > self.n_candidates:
            raise SitingError(msg("siting_k_too_large", k=k, n=self.n_candidates))
        pulp = _quiet_pulp()
        from spopt.locate import MCLP

        ne = self.n_existing
        predefined = np.r_[np.ones(ne), np.zeros(self.n_candidates)].astype(int)
        model = MCLP.from_cost_matrix(self.dist_m, self.weights, service_radius=self.radius_m,
                                      p_facilities=int(k) + ne,
                                      predefined_facilities_arr=predefined if ne else None,
                                      name="capacitated_mclp")
        prob, x, y = model.problem, model.fac_vars, model.cli_vars
        pairs = np.argwhere(self.cover & (self.weights > 0)[:, None])
        z = {(int(i), int(j)): pulp.LpVariable(f"z[{i}_{j}]", lowBound=0, upBound=1)
             for i, j in pairs}
        model.cli_assgn_vars = z
        prob.setObjective(pulp.lpSum(self.weights[i] * v for (i, _), v in z.items()))
        by_row: dict[int, list] = {}
        by_site: dict[int, list] = {}
        for (i, j), v in z.items():
            by_row.setdefault(i, []).append(v)
            by_site.setdefault(j, []).append(self.weights[i] * v)
            prob += v <= x[j]
        for i, vs in by_row.items():
            prob += pulp.lpSum(vs) <= y[i]
        for j, terms in by_site.items():
            if np.isfinite(self.capacity[j]):
                prob += pulp.lpSum(terms) <= float(self.capacity[j]) * x[j]
        solve_model(model, "CMCLP", time_limit_s)
        fac = np.array([v.value() or 0.0 for v in x])
        picked = [int(c) - ne for c in np.flatnonzero(fac > 0.5) if c >= ne]
        return self._result(picked)

    def _result(self, picked: list[int]) -> CapacitatedSitingResult:
        ne = self.n_existing
        open_ = list(range(ne))
        existing_served, _ = self.served(open_)
        base, order, gains = existing_served, [], []
        todo = list(picked)
        while todo:  # order the chosen sites by marginal gain
            vals = [self.served(open_ + [ne + c])[0] for c in todo]
            b = int(np.argmax(vals))
            c = todo.pop(b)
            open_.append(ne + c)
            order.append(c)
            gains.append(vals[b] - base)
            base = vals[b]
        served, load = self.served(open_)
        covered = float(self.weights[self.cover[:, open_].any(axis=1)].sum()) if open_ else 0.0
        total = float(self.weights.sum())
        return CapacitatedSitingResult(
            "CMCLP", order, gains, served, covered, existing_served, total,
            served / total if total > 0 else 0.0, load, list(self.uncapacitated))


def _listing(names, idx, limit: int = 10) -> dict:
    """n, names (first ``limit``) and "more" for a message listing sites."""
    idx = list(idx)
    return {"n": len(idx), "names": [names[i] for i in idx[:limit]],
            "more": " …" if len(idx) > limit else ""}


def grid_candidates(area: gpd.GeoDataFrame, spacing_m: float = 200.0) -> gpd.GeoDataFrame:
    """Candidate sites on a regular grid inside ``area`` (e.g. the town boundary).

    Returns points in the area's metric CRS (TOWN_CRS for geographic input), every
    ``spacing_m`` metres.
    """
    from songnan_geo.lifecircle.coverage import population_grid

    grid = population_grid(area, cell_m=spacing_m)
    return grid[["geometry"]].reset_index(drop=True)
