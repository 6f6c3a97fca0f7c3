"""The per-group walking searches of :meth:`songnan_geo.lifecircle.network.WalkNetwork.group_distance_m`,
and running them in forked processes.

One limited multi-source Dijkstra (:func:`scipy.sparse.csgraph.dijkstra`, ``min_only``) per
source group on one graph (:class:`GroupSearch`); on graphs of at least
:data:`PARALLEL_MIN_NODES` nodes the groups are shared among forked processes, which inherit
the graph instead of copying it (:func:`forked_searches`, one at a time behind a lock; nothing
is forked for the town's own network). Distances in metres in the network's CRS.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

#: Graphs with at least this many nodes search their groups in parallel processes.
PARALLEL_MIN_NODES = 200_000


@dataclass(frozen=True)
class GroupSearch:
    """One graph with every source joined to it, and the demand points' snaps.

    Built by :meth:`songnan_geo.lifecircle.network.WalkNetwork.group_distance_m`: ``graph`` has
    the network's nodes and one virtual node per source (``virt``), joined to it by one-way
    edges (metres); ``group`` is each source's group and ``limit`` each group's walking
    distance (metres). ``u``/``v``, ``along``/``back`` and ``snap_m`` are the demand points'
    edge ends and metres along, back and off their edge; ``si``/``sj``/``direct`` the pairs of
    point and source on the same edge and their direct walk (metres).
    """

    graph: sparse.csr_matrix
    virt: np.ndarray
    group: np.ndarray
    limit: np.ndarray
    u: np.ndarray
    v: np.ndarray
    along: np.ndarray
    back: np.ndarray
    snap_m: np.ndarray
    si: np.ndarray
    sj: np.ndarray
    direct: np.ndarray

    def walk(self, g: int) -> np.ndarray:
        """Walk (metres) of every point to the nearest source of group ``g``; inf beyond
        its limit."""
        lim = self.limit[g]
        dist = csgraph.dijkstra(self.graph, directed=True, indices=self.virt[self.group == g],
                                min_only=True, limit=lim)
        net = np.minimum(dist[self.u] + self.along, dist[self.v] + self.back)
        mine = self.group[self.sj] == g
        np.minimum.at(net, self.si[mine], self.direct[mine])
        walk = self.snap_m + net
        walk[walk > lim] = np.inf
        return walk


_JOB: GroupSearch | None = None


_JOB_LOCK = threading.Lock()


def _forked_group_walk(g: int) -> np.ndarray:
    return _JOB.walk(g)


def forked_searches(job: GroupSearch, todo: list, workers: int, out: np.ndarray) -> bool:
    """The groups' walks in ``workers`` forked processes (they inherit ``job``: the graph is
    not copied); False, with nothing done, when processes cannot be started."""
    global _JOB
    with _JOB_LOCK:
        _JOB = job
        try:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                for g, walk in zip(todo, pool.map(_forked_group_walk, todo)):
                    out[g] = walk
        except (OSError, BrokenProcessPool):
            return False
        finally:
            _JOB = None
    return True


def parallel_workers(n_nodes: int, n_groups: int) -> int:
    """Processes :meth:`songnan_geo.lifecircle.network.WalkNetwork.group_distance_m` uses by
    default: one per CPU this process may run on, at most one per group, and 1 below
    :data:`PARALLEL_MIN_NODES` nodes."""
    if n_nodes < PARALLEL_MIN_NODES or n_groups < 2:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, n_groups))
