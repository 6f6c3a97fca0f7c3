"""Walking network from the roads layer: snapping, multi-source shortest paths, isochrones.

:class:`WalkNetwork` is built once from road centre-lines (``WalkNetwork.from_roads``,
cache the object) as an undirected graph whose nodes are the lines' vertices (merged
within ``node_tolerance_m``) and whose edges are the straight pieces between them,
weighted by length in metres in :data:`songnan_geo.coords.crs.TOWN_CRS`. A roads layer built
from OpenStreetMap (:mod:`songnan_geo.layers.osm`) carries each feature's end-node ids ``u``/``v``;
the graph then follows OSM's own node topology instead of noding the geometry. Shortest paths use
:func:`scipy.sparse.csgraph.dijkstra` once for all sources together (``min_only``), not
one search per facility; several groups of sources (facility types, each with its own walking
distance) are snapped once onto one graph and searched once per group
(:meth:`WalkNetwork.group_distance_m`, in forked processes on large graphs). Snapping uses a
KD-tree of edge pieces and is exact (:meth:`WalkNetwork.snap`).

Snapping and the walking distance
---------------------------------
A point (a facility or a resident) is snapped to the nearest point of the nearest edge.
The walk between two points is

    snap distance at the start + distance along the network + snap distance at the end,

so the straight-line access to the nearest road is *added* to the walk, never dropped.
The roads layer has main and secondary roads only (no local streets), so snap
distances of 100–400 m are common: every result reports ``snap_m`` next to the walk so
the reader can see how much of it is off-network. Points on a part of the network that
no source reaches get ``inf``.

Isochrones are the area within a walk budget under the same rule, evaluated on a
regular grid: the union of the grid cells whose centre is within the budget (so the
map's service areas agree with the per-point numbers at grid resolution).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from songnan_geo.coords.crs import TOWN_CRS, to_town_crs
from songnan_geo.lifecircle.walk_search import GroupSearch, forked_searches, parallel_workers

#: Default walking speed, km/h (the issue's default; older people walk slower).
DEFAULT_WALK_SPEED_KMH = 4.5
#: Edges shorter than this (metres) are given this length so that a zero never
#: disappears from the sparse matrix.
_MIN_EDGE_M = 1e-6
#: For the nearest-edge search edges are cut into pieces of at most this length (metres); the
#: search looks at the pieces whose midpoint is near (exact, see :meth:`WalkNetwork.snap`).
SNAP_PIECE_M = 50.0
#: Points snapped per block (bounds the memory of the nearest-edge search).
_SNAP_BLOCK = 50_000
#: A hand-drawn line's vertex this close to an OSM feature's end node (metres) is joined to
#: it (OSM coordinates are stored to 1e-7°, about 1 cm; hand-drawn ends are rarely closer).
OSM_JOIN_M = 1.0


def walk_minutes(dist_m, speed_kmh: float = DEFAULT_WALK_SPEED_KMH):
    """Walking time in minutes of ``dist_m`` metres at ``speed_kmh`` km/h."""
    if not speed_kmh > 0:
        raise ValueError(f"speed_kmh is {speed_kmh!r}; give a walking speed in km/h greater than "
                         "0 (default 4.5).")
    return np.asarray(dist_m, dtype=float) / (speed_kmh * 1000.0 / 60.0)


@dataclass(frozen=True)
class Snap:
    """Where points meet the network: per point the edge, the position along it and the
    straight-line distance to it (metres)."""

    edge: np.ndarray     # int, index into the network's edges
    along_m: np.ndarray  # float, distance from the edge's first node u
    snap_m: np.ndarray   # float, point → snapped position


class WalkNetwork:
    """An undirected walking graph in a metric CRS.

    Parameters
    ----------
    node_xy : array of shape (n_nodes, 2)
        Node coordinates, metres (easting, northing) in ``crs``.
    edge_u, edge_v : int arrays of shape (n_edges,)
        End nodes of each straight edge.
    crs : pyproj CRS-like, default :data:`TOWN_CRS`
        The metric CRS of ``node_xy``.

    Edge lengths are the straight-line lengths between the end nodes. Parallel edges
    keep the shortest; self-loops are dropped.
    """

    def __init__(self, node_xy, edge_u, edge_v, crs=TOWN_CRS):
        xy = np.asarray(node_xy, dtype=float)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"node_xy has shape {xy.shape}; pass an (n, 2) array of x, y in metres.")
        u = np.asarray(edge_u, dtype=np.int64)
        v = np.asarray(edge_v, dtype=np.int64)
        if u.shape != v.shape or u.ndim != 1:
            raise ValueError("edge_u and edge_v must be 1-D integer arrays of the same length.")
        if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= len(xy)):
            raise ValueError("edge_u/edge_v refer to nodes that node_xy does not have; node "
                             f"indices must be in 0..{len(xy) - 1}.")
        keep = u != v
        u, v = u[keep], v[keep]
        a, b = np.minimum(u, v), np.maximum(u, v)
        length = np.hypot(*(xy[a] - xy[b]).T)
        # Parallel edges: keep the shortest of each node pair.
        order = np.lexsort((length, b, a))
        a, b, length = a[order], b[order], length[order]
        first = np.ones(len(a), bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        self.node_xy = xy
        self.edge_u, self.edge_v = a[first], b[first]
        self.edge_length_m = np.maximum(length[first], _MIN_EDGE_M)
        self.crs = crs
        self.graph = self._matrix(len(xy), self.edge_u, self.edge_v, self.edge_length_m)
        self._edge_geoms = shapely.linestrings(
            np.stack([xy[self.edge_u], xy[self.edge_v]], axis=1)) if len(self.edge_u) else np.array([])
        self._edge_tree = shapely.STRtree(self._edge_geoms)
        self._build_piece_index()

    def _build_piece_index(self):
        """KD-tree of the midpoints of the edges cut into pieces of at most SNAP_PIECE_M."""
        a, b = self.node_xy[self.edge_u], self.node_xy[self.edge_v]
        seg = np.hypot(*(b - a).T)
        n_piece = np.maximum(np.ceil(seg / SNAP_PIECE_M), 1).astype(np.int64)
        edge = np.repeat(np.arange(len(seg)), n_piece)
        k = np.arange(len(edge)) - np.repeat(np.cumsum(n_piece) - n_piece, n_piece)
        frac = (k + 0.5) / n_piece[edge]
        self._piece_edge = edge
        self._piece_half_m = float((seg / n_piece).max() / 2.0) if len(seg) else 0.0
        self._piece_tree = cKDTree(a[edge] + frac[:, None] * (b - a)[edge])

    @property
    def edge_geoms(self) -> np.ndarray:
        """Each edge as a straight LineString in :attr:`crs` (metres), in the order of ``edge_u``."""
        return self._edge_geoms

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_roads(cls, roads: gpd.GeoDataFrame, node_tolerance_m: float = 0.01) -> "WalkNetwork":
        """Build the network from road centre-lines (GeoDataFrame adapter).

        Parameters
        ----------
        roads : geopandas.GeoDataFrame
            (Multi)LineStrings in any CRS (projected to :data:`TOWN_CRS`); a missing CRS
            is an error. Lines should be split at crossings (the roads layer is); lines
            that only cross without a shared vertex are not connected. When the frame
            has ``u`` and ``v`` columns (OSM node ids of each feature's ends, as written
            by :mod:`songnan_geo.layers.osm`), features are joined by those ids and never by
            geometry (see :meth:`_from_osm_topology`).
        node_tolerance_m : float, default 0.01
            Vertices closer than about this (metres, rounded to a grid of this size)
            become one node.
        """
        if not isinstance(roads, gpd.GeoDataFrame):
            raise TypeError(f"roads is a {type(roads).__name__}; pass a geopandas.GeoDataFrame "
                            "of road centre-lines.")
        if not node_tolerance_m > 0:
            raise ValueError(f"node_tolerance_m is {node_tolerance_m!r}; give a positive distance "
                             "in metres.")
        roads = to_town_crs(roads, "roads")
        geoms = roads.geometry.explode(index_parts=False).values
        geoms = geoms[~(shapely.is_empty(geoms) | shapely.is_missing(geoms))]
        bad = ~np.isin(shapely.get_type_id(geoms), [1, 2])  # LineString, LinearRing
        if len(geoms) == 0 or bad.any():
            raise ValueError("roads has no (Multi)LineString features" if len(geoms) == 0 else
                             f"roads has {int(bad.sum())} feature(s) that are not lines; pass "
                             "road centre-lines (LineString or MultiLineString).")
        if {"u", "v"} <= set(roads.columns):
            return cls._from_osm_topology(roads, node_tolerance_m)
        coords, line = shapely.get_coordinates(geoms, return_index=True)
        keys = np.round(coords / node_tolerance_m).astype(np.int64)
        _, first, node = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        node = node.ravel()
        same_line = line[1:] == line[:-1]
        return cls(coords[first], node[:-1][same_line], node[1:][same_line], crs=TOWN_CRS)

    @classmethod
    def _from_osm_topology(cls, roads: gpd.GeoDataFrame, node_tolerance_m: float
                           ) -> "WalkNetwork":
        """Nodes from the features' ``u``/``v`` (OSM node ids of their two ends).

        A feature's first vertex is node ``u``, its last ``v``; its inner vertices belong
        to it alone (so two ways that cross without a shared OSM node — a bridge over a
        road — stay apart). Features without ``u``/``v`` (drawn by hand) are joined by
        geometry as in :meth:`from_roads` to each other, and to the nearest OSM end node
        within :data:`OSM_JOIN_M` (or ``node_tolerance_m`` if larger).
        """
        lines = roads.geometry.values
        u = pd.to_numeric(roads["u"], errors="coerce").to_numpy(dtype=float)
        v = pd.to_numeric(roads["v"], errors="coerce").to_numpy(dtype=float)
        bad = shapely.get_type_id(lines) != 1
        if bad.any():
            raise ValueError(f"roads has {int(bad.sum())} feature(s) with u/v that are not "
                             "single LineStrings; each OSM edge must be one LineString.")
        coords, line = shapely.get_coordinates(lines, return_index=True)
        n = len(coords)
        idx = np.arange(n)
        first = np.r_[True, line[1:] != line[:-1]]
        last = np.r_[line[1:] != line[:-1], True]
        osm_row = np.isfinite(u) & np.isfinite(v)
        # key = (kind, a, b): 0 = OSM node id a; 1 = inner vertex a; 2 = grid cell (a, b).
        kind = np.full(n, 1, dtype=np.int64)
        a = idx.astype(np.int64)
        b = np.zeros(n, dtype=np.int64)
        grid = np.round(coords / node_tolerance_m).astype(np.int64)
        on_osm = osm_row[line]
        end_u, end_v = on_osm & first, on_osm & last
        kind[end_u | end_v] = 0
        a[end_u] = u[line[end_u]].astype(np.int64)
        a[end_v] = v[line[end_v]].astype(np.int64)
        free = ~on_osm
        if free.any():
            # Hand-drawn vertices: their grid cell, or the OSM node in that cell.
            osm_end = np.flatnonzero(end_u | end_v)
            fi = np.flatnonzero(free)
            found = np.zeros(len(fi), bool)
            hit = np.zeros(len(fi), dtype=np.int64)
            if len(osm_end):
                dist, near = cKDTree(coords[osm_end]).query(coords[fi], k=1)
                found = dist <= max(node_tolerance_m, OSM_JOIN_M)
                hit = a[osm_end[np.minimum(near, len(osm_end) - 1)]]
            kind[fi[found]], a[fi[found]] = 0, hit[found]
            kind[fi[~found]] = 2
            a[fi[~found]], b[fi[~found]] = grid[fi[~found], 0], grid[fi[~found], 1]
        _, first_idx, node = np.unique(np.c_[kind, a, b], axis=0, return_index=True,
                                       return_inverse=True)
        node = node.ravel()
        same_line = line[1:] == line[:-1]
        return cls(coords[first_idx], node[:-1][same_line], node[1:][same_line], crs=TOWN_CRS)

    @staticmethod
    def _matrix(n, u, v, w):
        return sparse.csr_matrix((w, (u, v)), shape=(n, n))

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    def components(self) -> np.ndarray:
        """Connected-component label of every node."""
        return csgraph.connected_components(self.graph, directed=False)[1]

    def edges_gdf(self) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame (``u``, ``v``, ``length_m``) in the network CRS."""
        return gpd.GeoDataFrame({"u": self.edge_u, "v": self.edge_v,
                                 "length_m": self.edge_length_m},
                                geometry=self._edge_geoms, crs=self.crs)

    # ------------------------------------------------------------------ shortest paths

    def node_distance_m(self, source_nodes, limit_m: float = np.inf):
        """Distance from every node to the nearest of ``source_nodes`` (one Dijkstra pass).

        Returns
        -------
        dist_m : ndarray (n_nodes,)
            Metres along the network; ``inf`` where no source is reachable (or beyond
            ``limit_m``).
        nearest : ndarray (n_nodes,)
            Position in ``source_nodes`` of the nearest source; -1 where unreachable.
        """
        src = np.asarray(source_nodes, dtype=np.int64).ravel()
        if src.size == 0:
            raise ValueError("source_nodes is empty; give at least one node index.")
        if src.min() < 0 or src.max() >= self.n_nodes:
            raise ValueError(f"source_nodes must be node indices in 0..{self.n_nodes - 1}.")
        dist, _, sources = csgraph.dijkstra(self.graph, directed=False, indices=src,
                                            min_only=True, return_predecessors=True,
                                            limit=limit_m)
        pos = np.full(self.n_nodes + 1, -1, dtype=np.int64)
        pos[src[::-1]] = np.arange(len(src))[::-1]  # first occurrence wins for duplicates
        nearest = np.where(sources >= 0, pos[np.maximum(sources, 0)], -1)
        return dist, nearest

    def snap(self, xy) -> Snap:
        """Snap points (``(n, 2)`` metres in the network CRS) to their nearest edge.

        Exact nearest edge by a KD-tree of edge pieces: with ``m0`` the distance to the
        nearest piece midpoint and ``h`` the largest half piece, the nearest edge has a
        piece whose midpoint is within ``m0 + h``; every edge with such a piece is
        measured and the closest wins (on a tie, the lowest edge index).
        """
        xy = _as_xy(xy, "xy")
        if self.n_edges == 0:
            raise ValueError("the network has no edges; build it from a roads layer with lines.")
        n = len(xy)
        edge, along, dist = np.zeros(n, np.int64), np.zeros(n), np.zeros(n)
        for lo in range(0, n, _SNAP_BLOCK):
            sl = slice(lo, lo + _SNAP_BLOCK)
            edge[sl], along[sl], dist[sl] = self._nearest_edge(xy[sl])
        return Snap(edge=edge, along_m=along, snap_m=dist)

    def _nearest_edge(self, xy):
        n, n_pieces = len(xy), len(self._piece_edge)
        edge, along, dist = np.zeros(n, np.int64), np.zeros(n), np.zeros(n)
        rows, k = np.arange(n), min(8, n_pieces)
        while len(rows):
            d, idx = self._piece_tree.query(xy[rows], k=k, workers=-1)
            d, idx = d.reshape(len(rows), k), idx.reshape(len(rows), k)
            # A row is settled when its k-th piece lies beyond m0 + h (or every piece is in).
            done = (np.ones(len(rows), bool) if k == n_pieces else
                    d[:, -1] > d[:, 0] + self._piece_half_m + 1e-6 * (1.0 + d[:, 0]))
            r = rows[done]
            edge[r], along[r], dist[r] = self._closest(xy[r], self._piece_edge[idx[done]])
            rows, k = rows[~done], min(2 * k, n_pieces)
        return edge, along, dist

    def _closest(self, xy, cand):
        """Per row of ``cand`` (edge indices), the closest edge, the position along it and the
        distance (the lowest edge index on a tie)."""
        a = self.node_xy[self.edge_u[cand]]
        ab = self.node_xy[self.edge_v[cand]] - a
        ap = xy[:, None, :] - a
        len2 = (ab * ab).sum(axis=2)
        t = np.clip(np.divide((ap * ab).sum(axis=2), len2, out=np.zeros_like(len2),
                              where=len2 > 0), 0.0, 1.0)
        off = ap - t[:, :, None] * ab
        dist = np.hypot(off[:, :, 0], off[:, :, 1])
        best = dist.min(axis=1)
        pick = np.argmin(np.where(dist == best[:, None], cand, np.iinfo(np.int64).max), axis=1)
        rows = np.arange(len(xy))
        return cand[rows, pick], t[rows, pick] * np.sqrt(len2[rows, pick]), best

    def _augmented(self, fsnap: Snap):
        """The graph plus one virtual node per source, joined to its edge's two ends by
        (snap + along) and (snap + length − along)."""
        n, k = self.n_nodes, len(fsnap.edge)
        virt = n + np.arange(k)
        eu, ev = self.edge_u[fsnap.edge], self.edge_v[fsnap.edge]
        length = self.edge_length_m[fsnap.edge]
        wu = np.maximum(fsnap.snap_m + fsnap.along_m, _MIN_EDGE_M)
        wv = np.maximum(fsnap.snap_m + (length - fsnap.along_m), _MIN_EDGE_M)
        u = np.concatenate([self.edge_u, virt, virt])
        v = np.concatenate([self.edge_v, eu, ev])
        w = np.concatenate([self.edge_length_m, wu, wv])
        return self._matrix(n + k, u, v, w), virt

    def point_distance_m(self, xy, source_xy, limit_m: float = np.inf, snap: Snap | None = None):
        """Walking distance from each point to the nearest source point.

        Parameters
        ----------
        xy : array (n, 2)
            Demand points, metres in the network CRS.
        source_xy : array (k, 2)
            Facility points, metres in the network CRS.
        limit_m : float, default inf
            Stop the search beyond this distance (faster); walks longer than it are
            ``inf``.
        snap : Snap, optional
            ``self.snap(xy)`` when already computed (reused across calls).

        Returns
        -------
        walk_m : ndarray (n,)
            Snap at both ends + network distance, metres (``inf`` if unreachable).
        snap_m : ndarray (n,)
            The demand point's own straight-line distance to the network, metres.
        nearest : ndarray (n,)
            Index into ``source_xy`` of the nearest source (-1 if unreachable).
        """
        xy = _as_xy(xy, "xy")
        sxy = _as_xy(source_xy, "source_xy")
        if len(xy) == 0:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)
        ds = snap if snap is not None else self.snap(xy)
        if len(sxy) == 0:
            return np.full(len(xy), np.inf), ds.snap_m, np.full(len(xy), -1)
        fs = self.snap(sxy)
        graph, virt = self._augmented(fs)
        dist, _, sources = csgraph.dijkstra(graph, directed=False, indices=virt, min_only=True,
                                            return_predecessors=True, limit=limit_m)
        src_of = np.full(graph.shape[0], -1, dtype=np.int64)
        src_of[virt] = np.arange(len(virt))
        near_node = np.where(sources >= 0, src_of[np.maximum(sources, 0)], -1)
        walk, snap_m, nearest = self._from_nodes(ds, dist, near_node, fs)
        beyond = walk > limit_m
        walk[beyond], nearest[beyond] = np.inf, -1
        return walk, snap_m, nearest

    def group_distance_m(self, xy, source_xy, source_group, limit_m, snap: Snap | None = None,
                         workers: int | None = None) -> np.ndarray:
        """Walking distance from each point to the nearest source of each group.

        The same walk as :meth:`point_distance_m` (snap at both ends + network), for
        several source groups (e.g. facility types) at once: every source is snapped
        once and joined to one graph by one-way edges (a walk never passes through a
        source), then one limited multi-source Dijkstra runs per group.

        Parameters
        ----------
        xy, snap
            The demand points and, when already computed, their snap: as for
            :meth:`point_distance_m` (metres in the network CRS).
        source_xy, source_group : arrays (k, 2) and (k,)
            Every group's sources (metres in the network CRS) and the group of each,
            0..g-1.
        limit_m : array (g,)
            Walking distance of each group, metres; walks longer than it are ``inf``.
        workers : int, optional
            Processes for the per-group searches (forked, so the graph is not copied;
            only where the platform can fork). Default: one per CPU, up to one per
            group, on graphs of at least
            :data:`songnan_geo.lifecircle.walk_search.PARALLEL_MIN_NODES` nodes, else 1.
            The result does not depend on it.

        Returns
        -------
        walk_m : ndarray (g, n)
            Metres to the nearest source of each group; ``inf`` beyond its limit, when
            unreachable or when the group has no source.
        """
        xy = _as_xy(xy, "xy")
        sxy = _as_xy(source_xy, "source_xy")
        group = np.asarray(source_group, dtype=np.int64).ravel()
        limit = np.asarray(limit_m, dtype=float).ravel()
        if len(group) != len(sxy):
            raise ValueError("source_group must give one group per source point.")
        if len(group) and (group.min() < 0 or group.max() >= len(limit)):
            raise ValueError(f"source_group must be in 0..{len(limit) - 1} (one limit_m each).")
        out = np.full((len(limit), len(xy)), np.inf)
        if len(xy) == 0 or len(sxy) == 0:
            return out
        ds = snap if snap is not None else self.snap(xy)
        fs = self.snap(sxy)
        n, k = self.n_nodes, len(sxy)
        virt = n + np.arange(k)
        length = self.edge_length_m[fs.edge]
        graph = self._matrix(
            n + k,
            np.concatenate([self.edge_u, self.edge_v, virt, virt]),
            np.concatenate([self.edge_v, self.edge_u, self.edge_u[fs.edge], self.edge_v[fs.edge]]),
            np.concatenate([self.edge_length_m, self.edge_length_m,
                            np.maximum(fs.snap_m + fs.along_m, _MIN_EDGE_M),
                            np.maximum(fs.snap_m + (length - fs.along_m), _MIN_EDGE_M)]))
        u, v = self.edge_u[ds.edge], self.edge_v[ds.edge]
        # Sources on a point's own edge are reached directly along it.
        same = pd.DataFrame({"edge": ds.edge, "i": np.arange(len(xy)), "t": ds.along_m}).merge(
            pd.DataFrame({"edge": fs.edge, "j": np.arange(k), "s": fs.along_m,
                          "fsnap": fs.snap_m}), on="edge")
        job = GroupSearch(graph=graph, virt=virt, group=group, limit=limit, u=u, v=v,
                        along=ds.along_m, back=self.edge_length_m[ds.edge] - ds.along_m,
                        snap_m=ds.snap_m, si=same["i"].to_numpy(), sj=same["j"].to_numpy(),
                        direct=(same["t"] - same["s"]).abs().to_numpy() + same["fsnap"].to_numpy())
        todo = [g for g in np.argsort(-limit * np.bincount(group, minlength=len(limit)),
                                      kind="stable") if (group == g).any()]
        workers = parallel_workers(n + k, len(todo)) if workers is None else max(int(workers), 1)
        done = workers > 1 and len(todo) > 1 and sys.platform.startswith("linux") and \
            forked_searches(job, todo, min(workers, len(todo)), out)
        if not done:
            for g in todo:
                out[g] = job.walk(g)
        return out

    def _from_nodes(self, ds: Snap, dist, near_node, fs: Snap):
        """Distances of snapped points from node distances (+ sources on their own edge)."""
        u, v = self.edge_u[ds.edge], self.edge_v[ds.edge]
        length = self.edge_length_m[ds.edge]
        via_u = dist[u] + ds.along_m
        via_v = dist[v] + (length - ds.along_m)
        net = np.minimum(via_u, via_v)
        nearest = np.where(via_u <= via_v, near_node[u], near_node[v])
        # A source on the same edge is reached directly along it, not via an end node.
        same = pd.DataFrame({"edge": ds.edge, "i": np.arange(len(ds.edge)), "t": ds.along_m}).merge(
            pd.DataFrame({"edge": fs.edge, "j": np.arange(len(fs.edge)), "s": fs.along_m,
                          "fsnap": fs.snap_m}), on="edge")
        if len(same):
            direct = (same["t"] - same["s"]).abs().to_numpy() + same["fsnap"].to_numpy()
            i = same["i"].to_numpy()
            j = same["j"].to_numpy()
            order = np.lexsort((direct, i))
            i, j, direct = i[order], j[order], direct[order]
            first = np.ones(len(i), bool)
            first[1:] = i[1:] != i[:-1]
            i, j, direct = i[first], j[first], direct[first]
            better = direct < net[i]
            net[i[better]] = direct[better]
            nearest[i[better]] = j[better]
        walk = ds.snap_m + net
        nearest = np.where(np.isfinite(walk), nearest, -1)
        return walk, ds.snap_m, nearest

    def distance_matrix_m(self, xy, source_xy, limit_m: float = np.inf) -> np.ndarray:
        """Walking distance (metres) from every point to every source: shape (n, k).

        One Dijkstra call with all sources as separate origins (for 2SFCA and siting);
        ``inf`` beyond ``limit_m`` or when unreachable.
        """
        xy = _as_xy(xy, "xy")
        sxy = _as_xy(source_xy, "source_xy")
        out = np.full((len(xy), len(sxy)), np.inf)
        if len(xy) == 0 or len(sxy) == 0:
            return out
        fs = self.snap(sxy)
        graph, virt = self._augmented(fs)
        dist = csgraph.dijkstra(graph, directed=False, indices=virt, limit=limit_m)  # (k, N)
        ds = self.snap(xy)
        u, v = self.edge_u[ds.edge], self.edge_v[ds.edge]
        length = self.edge_length_m[ds.edge]
        net = np.minimum(dist[:, u] + ds.along_m, dist[:, v] + (length - ds.along_m)).T
        same = ds.edge[:, None] == fs.edge[None, :]
        direct = np.abs(ds.along_m[:, None] - fs.along_m[None, :]) + fs.snap_m[None, :]
        net = np.where(same, np.minimum(net, direct), net)
        out = ds.snap_m[:, None] + net
        out[out > limit_m] = np.inf
        return out

    # ------------------------------------------------------------------ isochrones

    def grid(self, bounds, cell_m: float = 25.0) -> "WalkGrid":
        """Cell centres of a regular ``cell_m`` grid over ``bounds`` (minx, miny, maxx,
        maxy; metres), snapped to the network once so that many isochrones can share it."""
        if not cell_m > 0:
            raise ValueError(f"cell_m is {cell_m!r}; give a grid spacing in metres > 0.")
        x0, y0 = np.floor(bounds[0] / cell_m) * cell_m, np.floor(bounds[1] / cell_m) * cell_m
        nx = max(int(np.ceil((bounds[2] - x0) / cell_m)), 1)
        ny = max(int(np.ceil((bounds[3] - y0) / cell_m)), 1)
        if nx * ny > 5_000_000:
            raise ValueError(f"the grid would have {nx * ny:,} cells; use a larger cell_m.")
        ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
        ix, iy = ix.ravel(), iy.ravel()
        xy = np.c_[x0 + (ix + 0.5) * cell_m, y0 + (iy + 0.5) * cell_m]
        return WalkGrid(x0, y0, cell_m, ix, iy, xy, self.snap(xy))

    def isochrone(self, source_xy, budget_m: float, cell_m: float = 25.0,
                  grid: "WalkGrid | None" = None):
        """Area within ``budget_m`` of walking from any source (metres, network CRS).

        The same walk as :meth:`point_distance_m` (snap at both ends + network),
        evaluated at the centres of a ``cell_m`` grid: the polygon is the union of the
        cells whose centre is within the budget, so it agrees with the per-point
        results at grid resolution (edges are stair-stepped by ``cell_m``).

        Parameters
        ----------
        source_xy : array (k, 2)
            Facility points, metres in the network CRS.
        budget_m : float
            Walking distance, metres (e.g. ``walk_min × speed``).
        cell_m : float, default 25
            Grid spacing, metres (ignored when ``grid`` is given).
        grid : WalkGrid, optional
            From :meth:`grid`, to share the snapping between several isochrones.

        Returns
        -------
        shapely.Geometry
            (Multi)Polygon; empty when no source is given or none reaches a cell.
        """
        sxy = _as_xy(source_xy, "source_xy")
        if not budget_m > 0:
            raise ValueError(f"budget_m is {budget_m!r}; give a walking distance in metres > 0.")
        if len(sxy) == 0:
            return shapely.Polygon()
        if grid is None:
            # A walk is never shorter than the straight line: sources ± budget bound it.
            grid = self.grid((*(sxy.min(axis=0) - budget_m), *(sxy.max(axis=0) + budget_m)),
                             cell_m)
        walk, _, _ = self.point_distance_m(grid.xy, sxy, limit_m=budget_m, snap=grid.snap)
        return grid.cells(walk <= budget_m)


@dataclass(frozen=True)
class WalkGrid:
    """A regular grid of cells snapped to a :class:`WalkNetwork` (see :meth:`WalkNetwork.grid`)."""

    x0: float
    y0: float
    cell_m: float
    ix: np.ndarray
    iy: np.ndarray
    xy: np.ndarray
    snap: Snap

    def cells(self, mask) -> shapely.Geometry:
        """Union of the cells where ``mask`` is True (edges shared exactly, so the cells
        form a clean coverage)."""
        ix, iy = self.ix[mask], self.iy[mask]
        if len(ix) == 0:
            return shapely.Polygon()
        c = self.cell_m
        boxes = shapely.box(self.x0 + ix * c, self.y0 + iy * c, self.x0 + (ix + 1) * c,
                            self.y0 + (iy + 1) * c)
        return shapely.coverage_union_all(boxes)


def _as_xy(xy, arg: str) -> np.ndarray:
    a = np.asarray(xy, dtype=float)
    if a.size == 0:
        return a.reshape(0, 2)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"{arg} has shape {a.shape}; pass an (n, 2) array of x, y in metres "
                         "(the network's CRS).")
    return a
