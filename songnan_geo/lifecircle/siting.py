"""Optimal siting of new facilities: MCLP and LSCP with spopt and the CBC solver.

* **MCLP** (maximal covering location problem): choose ``k`` new sites among the
  candidates so that, together with the existing facilities (always kept), the most
  demand weight (population) lies within the service radius.
* **LSCP** (location set covering problem): the fewest new sites that, with the
  existing ones, put every demand point within the radius.

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
import shapely

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


def grid_candidates(area: gpd.GeoDataFrame, spacing_m: float = 200.0) -> gpd.GeoDataFrame:
    """Candidate sites on a regular grid inside ``area`` (e.g. the town boundary).

    Returns points in the area's metric CRS (TOWN_CRS for geographic input), every
    ``spacing_m`` metres.
    """
    from songnan_geo.lifecircle.coverage import population_grid

    grid = population_grid(area, cell_m=spacing_m)
    return grid[["geometry"]].reset_index(drop=True)
