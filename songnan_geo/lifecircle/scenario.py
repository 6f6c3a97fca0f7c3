"""Life-circle indicators as the standards define them: what the coverage page and the
``coverage``/``lifecircle-report`` commands ask, answered by one call.

:func:`run_scenario` takes the layers (``residential`` 居委 polygons with ``population``,
``facilities`` with ``type``, optionally ``roads``), the facility types, the standard,
the method, the basis and any candidate sites, and returns a :class:`LifeCircleResult`:

* **per type** (:attr:`LifeCircleResult.per_type`): the share of residents (basis
  ``population``) or of residential land (basis ``area``) within the type's service
  distance (its own radius under the standard), e.g. "社区卫生服务站 300 m 覆盖率";
* **basket** (:attr:`LifeCircleResult.basket`): the share that reaches *every* chosen
  type, each within its own distance. It is never "any type": a resident counts only
  when all types are within reach, so the basket is at most the lowest per-type share;
* **per 居委** (:attr:`LifeCircleResult.by_area`): share, covered people and a status —
  ``covered`` (every sample point of the 居委 within reach), ``partly`` or ``none``;
* **targets** (:meth:`LifeCircleResult.targets_table`): the city's targets (85 % by 2025,
  99 % by 2035, or the planner's own) against the defined indicator, gaps in percentage
  points.

How a share is measured
-----------------------
Residents are taken as spread evenly over their 居委's residential polygon and sampled
on one regular grid (``cell_m``, default 25 m, in :data:`songnan_geo.crs.TOWN_CRS`;
:func:`songnan_geo.coverage.population_grid`). Each sample point carries its part of the
population (basis ``population``) or of the land area (basis ``area``). A point is within
reach of a type when the distance to the nearest facility of that type is at most the
type's radius: straight-line metres (``euclidean``: an **upper bound** of the walking
figure, since no walk is shorter than the straight line), or walking metres along the
roads including the straight access to the nearest road at both ends (``network``,
:class:`songnan_geo.network.WalkNetwork`). Every per-type figure and the basket use the
same points, so the basket ≤ each per-type share holds exactly.

Method ``auto`` walks when the roads layer can carry it: the median straight-line
access from the sample points to the nearest road is at most
:data:`WALKABLE_MEDIAN_SNAP_M` (a road layer of main roads only leaves most homes
hundreds of metres from a "road", and the walk would be mostly off-network). Otherwise
it uses the straight line and says why (:attr:`LifeCircleResult.method_reason`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.lifecircle import standards as sd
from songnan_geo.lifecircle.coverage import (
    DEFAULT_CELL_M,
    access_points,
    point_coverage,
    population_grid,
    service_areas,
    uncovered_parts,
)
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.lifecircle.population import demand_points
from songnan_geo.text.error_messages import LocalisedError, msg, text_of
from songnan_geo.text.i18n import value_label

METHODS = ("auto", "network", "euclidean")
BASES = ("population", "area")
#: The roads layer "carries" a walk when the median access from homes to it is at most this.
WALKABLE_MEDIAN_SNAP_M = 100.0
STATUSES = ("covered", "partly", "none")
#: Pseudo-type of the basket rows in :attr:`LifeCircleResult.by_area`.
BASKET = "__basket__"

_DEFINITION = {
    ("zh", "population"): "{type}{mode}{r:g} 米覆盖率：居住用地上{how}到最近的{type}不超过 {r:g} 米的"
                          "居民占全部居民的比例（居民按各居委人口在其居住用地上均匀分布计，{cell:g} 米网格）",
    ("zh", "area"): "{type}{mode}{r:g} 米覆盖率（按用地）：{how}到最近的{type}不超过 {r:g} 米的居住用地"
                    "面积占全部居住用地面积的比例（{cell:g} 米网格）",
    ("en", "population"): "{type} within {r:g} m ({mode}): share of residents whose {how} to the nearest "
                          "{type} is at most {r:g} m (residents spread evenly over their "
                          "neighbourhood's residential land, {cell:g} m grid)",
    ("en", "area"): "{type} within {r:g} m ({mode}, by land): share of residential land whose {how} to "
                    "the nearest {type} is at most {r:g} m ({cell:g} m grid)",
}
_MODE = {("zh", "network"): "步行", ("zh", "euclidean"): "直线",
         ("en", "network"): "walking", ("en", "euclidean"): "straight line"}
_HOW = {("zh", "network"): "沿道路步行距离（含到最近道路的直线接入）",
        ("zh", "euclidean"): "直线距离",
        ("en", "network"): "walk along the roads (including the straight access to the nearest road)",
        ("en", "euclidean"): "straight-line distance"}
_BASKET_DEF = {
    ("zh", "population"): "同时到达所选全部 {n} 类设施（各按其服务距离）的居民比例；任何一类够不到即不计",
    ("zh", "area"): "同时到达所选全部 {n} 类设施（各按其服务距离）的居住用地面积比例；任何一类够不到即不计",
    ("en", "population"): "share of residents who reach every one of the {n} chosen types, each "
                          "within its own distance; missing any one type does not count",
    ("en", "area"): "share of residential land that reaches every one of the {n} chosen types, "
                    "each within its own distance; missing any one type does not count",
}
_UPPER = {"zh": "直线距离结果为步行结果的上限",
          "en": "a straight-line figure is an upper bound of the walking one"}


class ScenarioError(LocalisedError, ValueError):
    """The inputs of a scenario cannot be analysed. ``problems`` lists every problem found, each
    an :class:`songnan_geo.text.error_messages.ErrorMessage`: ``str(exc)`` is English,
    ``exc.text("zh")`` Chinese."""

    def __init__(self, problems: list):
        self.problems = list(problems)
        super().__init__(msg("scenario_problems", problems=self.problems))

    def text(self, lang: str = "en") -> str:
        """Every problem, separated by semicolons, in ``lang`` ('zh' or 'en')."""
        return text_of(self.message, lang)


@dataclass
class Sample:
    """The grid points residents are counted on (metres in ``crs``)."""

    xy: np.ndarray          # (n, 2)
    area_index: np.ndarray  # row position of the 居委 in the residential layer
    population: np.ndarray  # people at the point
    area_m2: np.ndarray     # residential land at the point
    crs: object = TOWN_CRS
    snapped: tuple | None = field(default=None, repr=False, compare=False)

    def snap_to(self, network: WalkNetwork):
        """``network.snap(self.xy)``, computed once per network and kept."""
        if self.snapped is None or self.snapped[0] is not network:
            self.snapped = (network, network.snap(self.xy))
        return self.snapped[1]


@dataclass
class LifeCircleResult:
    """What :func:`run_scenario` returns. Shares are 0–1, people and areas unrounded
    (use :func:`pct`, :func:`people`, :func:`pp` to show them)."""

    types: list[str]
    radius_m: dict[str, float]
    method: str                   # "network" or "euclidean" (never "auto")
    method_reason: str            # why this method (for "auto"); "" if asked for
    basis: str
    standard: str
    cell_m: float
    per_type: pd.DataFrame        # type, radius_m, facilities, candidates, share, covered, total, method
    basket: dict                  # share, covered, total, types
    by_area: pd.DataFrame         # id, name, population, type, share, covered_pop, status
    residential: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame  # the chosen types' facilities (+ candidates, column "candidate")
    covered: dict[str, np.ndarray] = field(repr=False, default_factory=dict)  # per type, per sample point
    sample: Sample | None = field(repr=False, default=None)
    network: WalkNetwork | None = field(repr=False, default=None)
    median_snap_m: float | None = None

    # ----------------------------------------------------------------- texts
    def definition(self, ftype: str, lang: str = "zh") -> str:
        """The definition of a per-type figure (or of the basket, ``ftype=BASKET``)."""
        lang = "en" if lang == "en" else "zh"
        if ftype == BASKET:
            return _BASKET_DEF[(lang, self.basis)].format(n=len(self.types))
        return _DEFINITION[(lang, self.basis)].format(
            type=value_label(ftype, lang, with_original=False), r=self.radius_m[ftype],
            mode=_MODE[(lang, self.method)],
            how=_HOW[(lang, self.method)], cell=self.cell_m)

    def method_label(self, lang: str = "zh") -> str:
        """"步行网络" / "直线距离（上限）" — what every figure of this result used."""
        lang = "en" if lang == "en" else "zh"
        if self.method == "network":
            return {"zh": "步行网络", "en": "walking network"}[lang]
        return {"zh": "直线距离（上限）", "en": "straight line (upper bound)"}[lang]

    def upper_bound_note(self, lang: str = "zh") -> str:
        return _UPPER["en" if lang == "en" else "zh"] if self.method == "euclidean" else ""

    # ----------------------------------------------------------------- tables
    def targets_table(self, targets: pd.DataFrame | None = None) -> pd.DataFrame:
        """Each target against the basket and each type: ``target, year, target_share,
        type, share, gap_pp`` (share − target, percentage points; negative = short)."""
        targets = sd.city_targets() if targets is None else targets
        rows = []
        figures = [(BASKET, self.basket["share"])] + list(zip(self.per_type["type"],
                                                              self.per_type["share"]))
        for tg in targets.itertuples():
            for ftype, share in figures:
                rows.append({"target": tg.target, "year": int(tg.year), "target_share": float(tg.share),
                             "type": ftype, "share": float(share),
                             "gap_pp": (float(share) - float(tg.share)) * 100.0,
                             "met": float(share) >= float(tg.share)})
        return pd.DataFrame(rows)

    def area_table(self, ftype: str) -> gpd.GeoDataFrame:
        """The residential layer with ``share``, ``covered_pop``, ``status`` of one type
        (or of the basket)."""
        part = self.by_area[self.by_area["type"] == ftype].reset_index(drop=True)
        out = self.residential[[c for c in ("id", "name", "population", "population_estimated")
                                if c in self.residential.columns] + ["geometry"]].copy()
        out["share"] = part["share"].to_numpy()
        out["covered_pop"] = part["covered_pop"].to_numpy()
        out["status"] = part["status"].to_numpy()
        return out

    def service_areas(self, ftype: str) -> gpd.GeoDataFrame:
        """Service area of one type (facilities + candidates), in TOWN_CRS (metres)."""
        fac = self.facilities[self.facilities["type"] == ftype]
        return service_areas(fac, {ftype: self.radius_m[ftype]}, method=self.method,
                             network=self.network)

    def uncovered(self, ftype: str) -> gpd.GeoDataFrame:
        """Residential land outside the type's service area (``id``, ``name``, ``area_m2``)."""
        return uncovered_parts(self.residential, self.service_areas(ftype))


# --------------------------------------------------------------------------- formatting

def pct(share: float) -> str:
    """A share (0–1) as a percentage with one decimal: ``'87.8 %'``."""
    return f"{100.0 * float(share):.1f} %"


def people(n: float) -> str:
    """People as a whole number with thousands separators."""
    return f"{round(float(n)):,}"


def pp(gap_pp: float, lang: str = "zh") -> str:
    """A gap in percentage points: ``'-11.2 个百分点'`` / ``'-11.2 pp'``."""
    return f"{gap_pp:+.1f} " + ("pp" if lang == "en" else "个百分点")


# --------------------------------------------------------------------------- core

def make_sample(residential: gpd.GeoDataFrame, cell_m: float = DEFAULT_CELL_M,
                pop_field: str = "population", *, populations=None,
                buildings: gpd.GeoDataFrame | None = None) -> Sample:
    """Points where residents are counted, with people and land per point (TOWN_CRS, metres).

    With neither ``populations`` (editors' figures per 居委,
    :meth:`songnan_geo.store.population.PopulationStore.entered`) nor ``buildings``: grid
    points over the residential polygons, each 居委's ``pop_field`` spread evenly. Otherwise
    :func:`songnan_geo.lifecircle.population.demand_points`: the entered figure (else the
    layer's estimate) spread over the 居委's residential buildings by floor area, or over its
    land where it has none. Land per point is the 居委's land shared by its points.
    """
    res = residential.to_crs(TOWN_CRS)
    if populations is not None or (buildings is not None and len(buildings)):
        pts = demand_points(residential, populations, buildings=buildings, cell_m=cell_m)
        owner = pts["area_index"].to_numpy()
        count = np.bincount(owner, minlength=len(res))
        land = shapely.area(res.geometry.values.to_numpy())
        return Sample(xy=shapely.get_coordinates(pts.geometry.values.to_numpy()), area_index=owner,
                      population=pts["population"].to_numpy(float),
                      area_m2=land[owner] / count[owner], crs=TOWN_CRS)
    grid = population_grid(res, cell_m=cell_m, weight=pop_field)
    owner = grid["area_index"].to_numpy()
    count = np.bincount(owner, minlength=len(res))
    land = shapely.area(res.geometry.values.to_numpy())
    return Sample(xy=shapely.get_coordinates(grid.geometry.values.to_numpy()), area_index=owner,
                  population=grid["weight"].to_numpy(float),
                  area_m2=land[owner] / count[owner], crs=TOWN_CRS)


def distance_to_nearest_m(sample_xy: np.ndarray, facilities: gpd.GeoDataFrame, method: str,
                          network: WalkNetwork | None = None, limit_m: float = np.inf,
                          snap=None) -> np.ndarray:
    """Distance (metres, TOWN_CRS) from each sample point to the nearest facility.

    ``euclidean``: straight line (KD-tree for points, exact distance to other shapes).
    ``network``: walk incl. access at both ends, ``inf`` beyond ``limit_m``.
    """
    n = len(sample_xy)
    if len(facilities) == 0:
        return np.full(n, np.inf)
    geoms = facilities.to_crs(TOWN_CRS).geometry.values.to_numpy()
    if method == "network":
        return network.point_distance_m(sample_xy, access_points(network, geoms),
                                        limit_m=limit_m, snap=snap)[0]
    if (shapely.get_type_id(geoms) == 0).all():
        return point_coverage(sample_xy, shapely.get_coordinates(geoms), 0.0)[1]
    pts = shapely.points(sample_xy)
    (src, tgt), d = shapely.STRtree(geoms).query_nearest(pts, return_distance=True,
                                                          all_matches=False)
    out = np.full(n, np.inf)
    out[src] = d
    return out


def covered_points(sample: Sample, facilities: gpd.GeoDataFrame, radius_m: Mapping[str, float],
                   types: Sequence[str], method: str, network: WalkNetwork | None = None,
                   type_field: str = "type") -> dict[str, np.ndarray]:
    """Per type, a bool per sample point: within the type's radius of one of its facilities.

    ``network``: every facility is snapped once and one limited Dijkstra runs per type on
    one graph (:meth:`WalkNetwork.group_distance_m`); the sample is snapped once per network
    (:meth:`Sample.snap_to`).
    """
    kinds = facilities[type_field].astype(str).to_numpy()
    if method != "network":
        return {t: distance_to_nearest_m(sample.xy, facilities[kinds == t], method) <= float(radius_m[t])
                for t in types}
    types = list(types)
    pos = {t: i for i, t in enumerate(types)}
    mine = np.isin(kinds, types)
    geoms = facilities.to_crs(TOWN_CRS).geometry.values.to_numpy()[mine]
    group = np.array([pos[t] for t in kinds[mine]], dtype=np.int64)
    limit = np.array([float(radius_m[t]) for t in types])
    walk = network.group_distance_m(sample.xy, access_points(network, geoms), group, limit,
                                    snap=sample.snap_to(network))
    return {t: walk[i] <= limit[i] for i, t in enumerate(types)}


def indicator_shares(weights: np.ndarray, covered: Mapping[str, np.ndarray]) -> tuple[dict, float]:
    """Per-type shares and the basket share (all types) for point weights."""
    total = float(weights.sum())
    per = {k: (float(weights[v].sum()) / total if total > 0 else 0.0) for k, v in covered.items()}
    every = np.logical_and.reduce(list(covered.values())) if covered else np.zeros(len(weights), bool)
    return per, (float(weights[every].sum()) / total if total > 0 else 0.0)


def _status(n_pts: np.ndarray, n_cov: np.ndarray) -> np.ndarray:
    return np.where(n_cov >= n_pts, "covered", np.where(n_cov == 0, "none", "partly"))


def choose_method(method: str, layers: Mapping[str, gpd.GeoDataFrame], sample: Sample,
                  network: WalkNetwork | None = None, lang: str = "zh"
                  ) -> tuple[str, str, WalkNetwork | None, float | None]:
    """(method, reason, network, median access m) for ``method`` in :data:`METHODS`."""
    if method not in METHODS:
        raise ScenarioError([msg("scenario_method", method=method, choices=list(METHODS))])
    if method == "euclidean":
        return "euclidean", "", None, None
    roads = layers.get("roads")
    if network is None and roads is not None and len(roads):
        network = WalkNetwork.from_roads(roads)
    if network is None:
        if method == "network":
            raise ScenarioError([msg("scenario_network_roads")])
        return "euclidean", ("没有道路图层，按直线距离计算" if lang != "en" else
                             "no roads layer: straight-line distances"), None, None
    median = float(np.median(sample.snap_to(network).snap_m)) if len(sample.xy) else 0.0
    if method == "network":
        return "network", "", network, median
    if median <= WALKABLE_MEDIAN_SNAP_M:
        return "network", (f"道路图层可承载步行分析（居住网格点到最近道路的接入距离中位数 {median:.0f} 米）"
                           if lang != "en" else f"the roads layer carries a walk (median access "
                           f"to the nearest road {median:.0f} m)"), network, median
    return "euclidean", (
        f"道路图层只有主要道路：居住网格点到最近道路的接入距离中位数 {median:.0f} 米（超过 "
        f"{WALKABLE_MEDIAN_SNAP_M:.0f} 米），步行结果大半是离网直线，故默认按直线距离（上限）计算"
        if lang != "en" else
        f"the roads layer has main roads only: median access to the nearest road {median:.0f} m "
        f"(over {WALKABLE_MEDIAN_SNAP_M:.0f} m), so the walk would be mostly off-network; "
        "straight-line distances (upper bound) are used"), network, median


def run_scenario(layers: Mapping[str, gpd.GeoDataFrame], types: Sequence[str] | None = None,
                 standard: str = "gb50180_2018", method: str = "auto", basis: str = "population",
                 candidates: gpd.GeoDataFrame | None = None, *,
                 standards: pd.DataFrame | None = None, network: WalkNetwork | None = None,
                 cell_m: float = DEFAULT_CELL_M, lang: str = "zh",
                 sample: Sample | None = None, populations=None) -> LifeCircleResult:
    """The life-circle indicators of ``types`` under ``standard``.

    Parameters
    ----------
    layers : mapping of layer name → GeoDataFrame
        ``residential`` (polygons, ``population``), ``facilities`` (``type``), and
        ``roads`` for the walking method. Any CRS with a CRS set.
    types : sequence of str, optional
        Facility types; default every type of the facilities layer that the standard
        gives a distance for.
    standard : str
        A standard id of :func:`songnan_geo.standards.load_standards`.
    method : {"auto", "network", "euclidean"}
    basis : {"population", "area"}
        Count residents or residential land.
    candidates : GeoDataFrame, optional
        New sites (``type`` column) counted with the existing facilities.
    network : WalkNetwork, optional
        Built from ``layers["roads"]`` when not given (cache it for repeated calls).
    cell_m : float, default 25
        Sample grid spacing, metres.
    populations : mapping, optional
        Editors' population per 居委 id (:meth:`songnan_geo.store.population.PopulationStore.entered`);
        with it, or with a ``buildings`` layer, residents are placed by
        :func:`songnan_geo.lifecircle.population.demand_points` (see :func:`make_sample`).

    Raises
    ------
    ScenarioError
        Every problem with the inputs at once (missing layer, unknown basis, types the
        standard has no distance for, types with no facility).
    """
    problems = []
    for name in ("residential", "facilities"):
        if name not in layers or layers[name] is None:
            problems.append(msg("scenario_layer_missing", name=name))
    if basis not in BASES:
        problems.append(msg("scenario_basis", basis=basis, choices=list(BASES)))
    if method not in METHODS:
        problems.append(msg("scenario_method", method=method, choices=list(METHODS)))
    roads = layers.get("roads")
    if method == "network" and network is None and (roads is None or not len(roads)):
        problems.append(msg("scenario_network_roads"))
    facilities = layers.get("facilities")
    if facilities is None:
        raise ScenarioError(problems)
    residential = layers.get("residential")
    standards = sd.load_standards() if standards is None else standards
    all_types = list(dict.fromkeys(facilities["type"].astype(str)))
    radius = sd.radius_by_type(standards, standard, all_types if types is None else types)
    types = [x for x in all_types if x in radius] if types is None else list(dict.fromkeys(types))
    missing = [x for x in types if x not in radius]
    if missing:
        problems.append(msg("scenario_no_distance", standard=standard, types=missing))
    if not types:
        problems.append(msg("scenario_no_type"))
    if problems:
        raise ScenarioError(problems)
    fac = facilities[facilities["type"].astype(str).isin(types)].to_crs(TOWN_CRS).assign(candidate=False)
    if candidates is not None and len(candidates):
        cand = candidates.to_crs(TOWN_CRS).assign(candidate=True)
        fac = pd.concat([fac, cand[cand["type"].astype(str).isin(types)]], ignore_index=True)
    fac = gpd.GeoDataFrame(fac, geometry=fac.geometry.name, crs=TOWN_CRS).reset_index(drop=True)
    sample = (make_sample(residential, cell_m, populations=populations,
                          buildings=layers.get("buildings")) if sample is None else sample)
    method, reason, network, median = choose_method(method, layers, sample, network, lang)
    covered = covered_points(sample, fac, radius, types, method, network)
    w = sample.population if basis == "population" else sample.area_m2
    per, basket_share = indicator_shares(w, covered)
    total = float(w.sum())
    per_type = pd.DataFrame([{
        "type": x, "radius_m": float(radius[x]),
        "facilities": int(((fac["type"] == x) & ~fac["candidate"]).sum()),
        "candidates": int(((fac["type"] == x) & fac["candidate"]).sum()),
        "share": per[x], "covered": per[x] * total, "total": total, "method": method}
        for x in types])
    basket = {"share": basket_share, "covered": basket_share * total, "total": total,
              "types": list(types)}
    n_area = len(residential)
    pop = pd.to_numeric(residential["population"], errors="coerce").fillna(0).to_numpy(float) \
        if "population" in residential.columns else np.zeros(n_area)
    n_pts = np.bincount(sample.area_index, minlength=n_area)
    rows = []
    every = np.logical_and.reduce(list(covered.values()))
    for ftype, cov in [*covered.items(), (BASKET, every)]:
        wa = np.bincount(sample.area_index, weights=w, minlength=n_area)
        wc = np.bincount(sample.area_index, weights=w * cov, minlength=n_area)
        share = np.where(wa > 0, wc / np.where(wa > 0, wa, 1), 0.0)
        rows.append(pd.DataFrame({
            "id": residential["id"].to_numpy() if "id" in residential else np.arange(n_area),
            "name": residential["name"].to_numpy() if "name" in residential else [""] * n_area,
            "population": pop, "type": ftype, "share": share,
            "covered_pop": share * pop,
            "status": _status(n_pts, np.bincount(sample.area_index, weights=cov, minlength=n_area))}))
    return LifeCircleResult(
        types=list(types), radius_m={x: float(radius[x]) for x in types}, method=method,
        method_reason=reason, basis=basis, standard=standard, cell_m=float(cell_m),
        per_type=per_type, basket=basket, by_area=pd.concat(rows, ignore_index=True),
        residential=residential.to_crs(TOWN_CRS).reset_index(drop=True), facilities=fac,
        covered=covered, sample=sample, network=network, median_snap_m=median)


# --------------------------------------------------------------------------- display tables

_LABELS = {"type": ("设施类型", "Facility type"), "radius_m": ("服务距离（米）", "Distance (m)"),
           "share": ("覆盖率", "Coverage"), "covered": ("覆盖人口", "People covered"),
           "covered_area": ("覆盖用地（公顷）", "Land covered (ha)"),
           "method": ("方法", "Method"), "definition": ("定义", "Definition"),
           "name": ("居委", "Neighbourhood"), "population": ("人口（估计）", "Population (est.)"),
           "status": ("覆盖状态", "Status"), "covered_pop": ("覆盖人口（估计）", "People covered (est.)"),
           "facilities": ("现有设施数", "Facilities"), "candidates": ("候选点数", "Candidates")}
_STATUS = {"covered": ("全覆盖", "covered"), "partly": ("部分覆盖", "partly"),
           "none": ("未覆盖", "not covered")}


def _label(key: str, lang: str) -> str:
    return _LABELS[key][1 if lang == "en" else 0]


def type_table(result: LifeCircleResult, lang: str = "zh") -> pd.DataFrame:
    """Per-type figures as shown (page, command): share as "29.2 %", people whole, the
    method and the definition; the basket first when several types are chosen."""
    rows = []
    figures = list(zip(result.per_type["type"], result.per_type["radius_m"],
                       result.per_type["share"], result.per_type["covered"]))
    if len(result.types) > 1:
        figures = [(BASKET, None, result.basket["share"], result.basket["covered"])] + figures
    for ftype, radius, share, cov in figures:
        rows.append({
            _label("type", lang): ({"zh": "全部类型同时可达（综合）", "en": "every type (basket)"}[
                "en" if lang == "en" else "zh"] if ftype == BASKET else value_label(ftype, lang)),
            _label("radius_m", lang): "—" if radius is None else f"{radius:g}",
            _label("share", lang): pct(share),
            (_label("covered", lang) if result.basis == "population" else _label("covered_area", lang)):
                round(cov) if result.basis == "population" else round(cov / 1e4, 1),
            _label("method", lang): result.method_label(lang),
            _label("definition", lang): result.definition(ftype, lang)})
    return pd.DataFrame(rows)


def area_display(result: LifeCircleResult, ftype: str, lang: str = "zh") -> pd.DataFrame:
    """Per-居委 rows of one type (or the basket) as shown: status, share "18.8 %", people whole."""
    part = result.by_area[result.by_area["type"] == ftype]
    k = 1 if lang == "en" else 0
    return pd.DataFrame({
        _label("name", lang): part["name"].to_numpy(),
        _label("population", lang): part["population"].round().astype(int).to_numpy(),
        _label("status", lang): [_STATUS[s][k] for s in part["status"]],
        _label("share", lang): [pct(s) for s in part["share"]],
        _label("covered_pop", lang): part["covered_pop"].round().astype(int).to_numpy()})


# --------------------------------------------------------------------------- page helpers

#: A click this close (metres) to a candidate removes it instead of adding one.
TOGGLE_M = 60.0


def toggle_candidate(points: list[dict], lon: float, lat: float, within_m: float = TOGGLE_M) -> list[dict]:
    """The candidate list (``{"lon", "lat"}`` in WGS84) after a click at ``lon, lat``: the
    first candidate within ``within_m`` metres is removed, else the click is added."""
    if points:
        xy = gpd.GeoSeries.from_xy([p["lon"] for p in points] + [lon], [p["lat"] for p in points] + [lat],
                                   crs="EPSG:4326").to_crs(TOWN_CRS)
        d = xy.iloc[:-1].distance(xy.iloc[-1]).to_numpy()
        if (d <= within_m).any():
            i = int(np.flatnonzero(d <= within_m)[0])
            return points[:i] + points[i + 1:]
    return [*points, {"lon": float(lon), "lat": float(lat)}]


def geometry_key(gdf: gpd.GeoDataFrame) -> str:
    """A hash of a layer's geometry (cache key for the walking network built from it)."""
    import hashlib

    return hashlib.sha1(b"".join(shapely.to_wkb(gdf.geometry.values.to_numpy()))).hexdigest()
