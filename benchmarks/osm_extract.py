"""Performance goal of the OpenStreetMap onboarding (issue 13): clip and build the town from
an extract the size of Shanghai's in under 60 s and 4 GB on 2 cores.

    python -m benchmarks.osm_extract                 # generate (cached in /tmp) and measure
    python -m benchmarks.osm_extract --scale 0.1     # a tenth of the size, for a smoke run
    python -m benchmarks.osm_extract --snap-only     # only the shipped data's snap distances

What is generated (to ``/tmp``, never the repository), and why
--------------------------------------------------------------
A Geofabrik-style extract of Shanghai (the ``china/shanghai`` PBF is some 60–100 MB: roughly
8–10 M nodes and 1–1.5 M ways, most of them buildings and highways). The generator lays a
street lattice over Shanghai's bounding box (120.86–121.98°E, 30.68–31.88°N, ~14,000 km²):
streets every 100 m in a 48 × 50 km urban core that contains 淞南镇, every 400 m elsewhere,
a node every 25 m, ways of 200 m; 500 buildings per km² in the core and 20 elsewhere
(10 % as multipolygon relations, tagged with levels or not), POIs (schools, clinics,
nursing homes, parks, restaurants…), rivers, and the 淞南镇 administrative relation (the
shipped boundary). At ``--scale 1`` that is about 10 M nodes, 2 M ways and 120 k relations —
at or above the real extract. It is written as OSM XML and converted to PBF by libosmium
(through pyosmium) so that generation takes about two minutes; the PBF is kept in /tmp for
reruns.

What is measured (in a fresh child process, so that the generator's memory does not count)
------------------------------------------------------------------------------------------
``osm.read_extract`` (all passes over the file and the clip) and the layer builders
(walking network, water, buildings, POIs, boundary) and the diff against the shipped
layers: wall time, CPU time, and peak resident memory (``ru_maxrss``: Python and libosmium's
C++ allocations both count; tracemalloc would miss the latter). The machine's 2 cores are
shared with other work, so wall time can exceed CPU time.

Also, for the note: on the shipped data, the median straight-line "snap" from the
residential demand points (``coverage.population_grid``, 25 m, the coverage page's demand)
to today's roads layer — the off-network part of every walk.

Not run by the tests; prints measured numbers only.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

LON0, LAT0, LON1, LAT1 = 120.86, 30.68, 121.98, 31.88
URBAN = (121.25, 31.00, 121.75, 31.45)
STEP = 40                          # lattice steps per 1 km cell
DLAT = 1.0 / 111_000 * 25          # 25 m
DLON = 1.0 / 95_200 * 25
TS = "2026-11-28T21:00:00Z"
POI_KINDS = [("amenity", "school", "第{}小学"), ("amenity", "school", "第{}中学"),
             ("amenity", "kindergarten", "第{}幼儿园"), ("amenity", "clinic", "{}社区卫生服务站"),
             ("social_facility", "nursing_home", "第{}养老院"), ("amenity", "restaurant", "饭店{}"),
             ("amenity", "cafe", "咖啡{}"), ("amenity", "bank", "银行{}"),
             ("leisure", "sports_centre", "体育中心{}"), ("shop", "supermarket", "超市{}")]


def _node_xml(ids, lon, lat, tags=None):
    if tags is None:
        return "".join(f'<node id="{i}" version="1" timestamp="2026-11-01T00:00:00Z" '
                       f'lat="{b:.7f}" lon="{a:.7f}"/>\n' for i, a, b in zip(ids, lon, lat))
    return "".join(f'<node id="{i}" version="1" timestamp="2026-11-01T00:00:00Z" lat="{b:.7f}" '
                   f'lon="{a:.7f}">{t}</node>\n' for i, a, b, t in zip(ids, lon, lat, tags))


def _way_xml(wid, refs, tags):
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    return f'<way id="{wid}" version="1" timestamp="2026-11-02T00:00:00Z">{nds}{tags}</way>\n'


def _tag(k, v):
    return f'<tag k="{k}" v="{v}"/>'


def generate(path: Path, scale: float = 1.0, seed: int = 0) -> dict:
    """Write a synthetic Shanghai-sized extract to ``path`` (PBF); return its counts."""
    import osmium

    rng = np.random.default_rng(seed)
    nx = int(np.ceil((LON1 - LON0) / (DLON * STEP)))
    ny = int(np.ceil((LAT1 - LAT0) / (DLAT * STEP)))
    # scale shrinks the covered box (keeps the density and the town)
    keep = max(scale, 0.0)
    cx, cy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    cx, cy = cx.ravel(), cy.ravel()
    clon = LON0 + (cx + 0.5) * DLON * STEP
    clat = LAT0 + (cy + 0.5) * DLAT * STEP
    urban = (clon > URBAN[0]) & (clon < URBAN[2]) & (clat > URBAN[1]) & (clat < URBAN[3])
    if keep < 1:
        # keep a window around the town with the same share of urban and rural cells
        centre = np.array([121.49, 31.34])
        d = np.maximum(np.abs(clon - centre[0]) / (LON1 - LON0), np.abs(clat - centre[1]) / (LAT1 - LAT0))
        sel = d <= np.sqrt(keep) / 2
        cx, cy, urban = cx[sel], cy[sel], urban[sel]
    # ---- street lattice points (global lattice i, j)
    pts = []
    segs = []          # (key arrays (k, 9), highway level)
    for x, y, u in zip(cx, cy, urban):
        s = 4 if u else 16
        i0, j0 = x * STEP, y * STEP
        lines = np.arange(0, STEP + 1, s)
        along = np.arange(0, STEP + 1)
        hi = (i0 + along)[None, :].repeat(len(lines), 0)
        hj = (j0 + lines)[:, None].repeat(len(along), 1)
        pts.append(np.c_[hi.ravel(), hj.ravel()])
        pts.append(np.c_[hj.ravel() - j0 + i0, hi.ravel() - i0 + j0])  # vertical lines
        for k in range(len(lines) - 1):     # the far edge is the next cell's first line
            for start in range(0, STEP, 8):
                seg = np.arange(start, start + 9)
                segs.append((i0 + seg, np.full(9, j0 + lines[k]), lines[k]))
                segs.append((np.full(9, i0 + lines[k]), j0 + seg, lines[k]))
    pts = np.concatenate(pts)
    big = 1 << 24
    keys = np.unique(pts[:, 0].astype(np.int64) * big + pts[:, 1])
    n_street = len(keys)
    node_id = 1
    counts = {"nodes": 0, "ways": 0, "relations": 0}
    xml = path.with_suffix(".tmp.osm")
    with open(xml, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="bench">\n')
        for a in range(0, n_street, 1_000_000):
            k = keys[a:a + 1_000_000]
            ids = np.arange(node_id + a, node_id + a + len(k))
            fh.write(_node_xml(ids, LON0 + (k // big) * DLON, LAT0 + (k % big) * DLAT))
        node_id += n_street
        counts["nodes"] += n_street
        # ---- buildings: random 20 × 12 m boxes
        per = np.where(urban, 500, 20)
        owner = np.repeat(np.arange(len(cx)), per)
        bx = LON0 + (cx[owner] * STEP + rng.random(len(owner)) * (STEP - 1)) * DLON
        by = LAT0 + (cy[owner] * STEP + rng.random(len(owner)) * (STEP - 1)) * DLAT
        n_b = len(owner)
        corner_lon = np.c_[bx, bx + 0.8 * DLON, bx + 0.8 * DLON, bx].ravel()
        corner_lat = np.c_[by, by, by + 0.5 * DLAT, by + 0.5 * DLAT].ravel()
        b0 = node_id
        for a in range(0, 4 * n_b, 1_000_000):
            ids = np.arange(b0 + a, b0 + min(a + 1_000_000, 4 * n_b))
            fh.write(_node_xml(ids, corner_lon[a:a + 1_000_000], corner_lat[a:a + 1_000_000]))
        node_id += 4 * n_b
        counts["nodes"] += 4 * n_b
        # ---- POIs
        n_poi = int(np.where(urban, 40, 2).sum())
        powner = rng.integers(0, len(cx), n_poi)
        plon = LON0 + (cx[powner] * STEP + rng.random(n_poi) * STEP) * DLON
        plat = LAT0 + (cy[powner] * STEP + rng.random(n_poi) * STEP) * DLAT
        kind = rng.integers(0, len(POI_KINDS), n_poi)
        ptags = [_tag(POI_KINDS[c][0], POI_KINDS[c][1]) + _tag("name", POI_KINDS[c][2].format(i))
                 for i, c in enumerate(kind)]
        fh.write(_node_xml(np.arange(node_id, node_id + n_poi), plon, plat, ptags))
        node_id += n_poi
        counts["nodes"] += n_poi
        # ---- the town boundary ring (the shipped boundary)
        import geopandas as gpd

        from songnan_geo.layers.io import DEFAULT_DATA_DIR
        ring = np.asarray(gpd.read_file(DEFAULT_DATA_DIR / "boundary.geojson").geometry.iloc[0]
                          .exterior.coords)[:-1]
        r0 = node_id
        fh.write(_node_xml(np.arange(r0, r0 + len(ring)), ring[:, 0], ring[:, 1]))
        node_id += len(ring)
        counts["nodes"] += len(ring)
        # ---- ways: streets
        way_id = 1
        levels = {0: ("primary", True), 8: ("residential", False), 16: ("secondary", True),
                  24: ("residential", False), 32: ("tertiary", True)}
        buf = []
        for si, sj, line in segs:
            refs = np.searchsorted(keys, si.astype(np.int64) * big + sj) + 1
            hw, named = levels.get(int(line), ("footway" if line % 8 else "service", False))
            tags = _tag("highway", hw) + (_tag("name", f"路{(int(si[0]) * 7 + int(sj[0])) % 997}")
                                          if named else "")
            buf.append(_way_xml(way_id, refs, tags))
            way_id += 1
            if len(buf) >= 200_000:
                fh.write("".join(buf))
                buf = []
        # ---- buildings (10 % as untagged rings of multipolygon relations)
        lv = rng.integers(1, 30, n_b)
        has_lv = rng.random(n_b) < 0.4
        mp = rng.random(n_b) < 0.1
        first_building_way = way_id
        for b in range(n_b):
            refs = [b0 + 4 * b, b0 + 4 * b + 1, b0 + 4 * b + 2, b0 + 4 * b + 3, b0 + 4 * b]
            if mp[b]:
                tags = ""
            else:
                tags = _tag("building", "apartments" if lv[b] > 5 else "yes") + \
                    (_tag("building:levels", str(lv[b])) if has_lv[b] else "")
            buf.append(_way_xml(way_id, refs, tags))
            way_id += 1
            if len(buf) >= 200_000:
                fh.write("".join(buf))
                buf = []
        # ---- rivers: 40 long lines across the box, reusing no street nodes (own nodes not
        # needed: rivers along street rows would share nodes; use lattice rows as waterways)
        river_rows = rng.choice(np.unique(keys % big), 40, replace=False)
        for r in river_rows:
            row = keys[(keys % big) == r]
            refs = np.searchsorted(keys, row[::8]) + 1
            buf.append(_way_xml(way_id, refs, _tag("waterway", "river") + _tag("name", f"河{r}")))
            way_id += 1
        # ---- boundary ring as 4 ways
        q = np.array_split(np.arange(len(ring)), 4)
        bways = []
        for part in q:
            refs = list(r0 + part) + [r0 + (part[-1] + 1) % len(ring)]
            buf.append(_way_xml(way_id, refs, ""))
            bways.append(way_id)
            way_id += 1
        fh.write("".join(buf))
        buf = []
        counts["ways"] = way_id - 1
        # ---- relations
        rel_id = 1
        for b in np.flatnonzero(mp):
            buf.append(f'<relation id="{rel_id}" version="1" timestamp="2026-11-03T00:00:00Z">'
                       f'<member type="way" ref="{first_building_way + b}" role="outer"/>'
                       + _tag("type", "multipolygon") + _tag("building", "yes") + "</relation>\n")
            rel_id += 1
        mem = "".join(f'<member type="way" ref="{w}" role="outer"/>' for w in bways)
        buf.append(f'<relation id="{rel_id}" version="1" timestamp="2026-11-03T00:00:00Z">{mem}'
                   + _tag("type", "boundary") + _tag("boundary", "administrative")
                   + _tag("admin_level", "8") + _tag("name", "淞南镇") + "</relation>\n")
        counts["relations"] = rel_id
        fh.write("".join(buf))
        fh.write("</osm>\n")
    header = osmium.io.Header()
    header.set("osmosis_replication_timestamp", TS)
    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path), header=header)
    osmium.apply(str(xml), writer)
    writer.close()
    xml.unlink()
    counts["bytes"] = path.stat().st_size
    return counts


def measure(pbf: Path) -> dict:
    """Clip and build the town from ``pbf`` (run in a fresh process)."""
    import shapely

    from songnan_geo.layers import osm
    from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_all_layers

    current = load_all_layers(DEFAULT_DATA_DIR)
    # Without a hint (no data folder): three passes (relations, the boundary's ways, the rest).
    t = time.perf_counter()
    osm.read_extract(pbf, clip_hint_wgs84=None, margin_m=osm.DEFAULT_MARGIN_M)
    t_nohint = time.perf_counter() - t
    # The command's path: the data folder's boundary is the first clip guess (two passes
    # when the relation's area lies within it).
    hint = shapely.union_all(current["boundary"].geometry.values)
    cpu0, t0 = time.process_time(), time.perf_counter()
    rules = osm.read_poi_types()
    data = osm.read_extract(pbf, clip_hint_wgs84=hint, margin_m=osm.DEFAULT_MARGIN_M)
    t_read = time.perf_counter() - t0
    t1 = time.perf_counter()
    layers = {"roads": osm.walking_network(data), "rivers": osm.water(data),
              "buildings": osm.buildings(data), "facilities": osm.pois(data, rules)[0],
              "boundary": osm.boundary_layer(data, current["boundary"])}
    t_build = time.perf_counter() - t1
    t2 = time.perf_counter()
    build = osm.OsmBuild(layers=layers, timestamp=data.timestamp, source="", boundary_from="",
                         clip_wgs84=data.clip_wgs84)
    diff = osm.diff_layers(build, current)
    t_diff = time.perf_counter() - t2
    return {"read_clip_no_hint_s": round(t_nohint, 2), "read_clip_s": round(t_read, 2),
            "build_s": round(t_build, 2),
            "diff_s": round(t_diff, 2), "total_s": round(time.perf_counter() - t0, 2),
            "cpu_s": round(time.process_time() - cpu0, 2),
            "worker_cpu_s": round(sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]), 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                                        / 1024, 1),
            "features": {k: len(v) for k, v in layers.items()}, "diff_rows": len(diff)}


def snap_report() -> dict:
    """Median snap distance of the residential demand points to the shipped roads."""
    from songnan_geo.layers import osm
    from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_layer

    roads, res = load_layer("roads", DEFAULT_DATA_DIR), load_layer("residential", DEFAULT_DATA_DIR)
    return {"roads_features": len(roads), **osm.demand_snap_m(roads, res)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="share of Shanghai's area to generate (1 = all; the town is always in)")
    ap.add_argument("--out", default="/tmp/songnan_osm_bench", help="folder for the extract")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--snap-only", action="store_true")
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0
    print("shipped data, before OSM:", json.dumps(snap_report(), ensure_ascii=False))
    if args.snap_only:
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pbf = out / f"shanghai_synthetic_{args.scale:g}.osm.pbf"
    meta = pbf.with_suffix(".json")
    if pbf.exists() and meta.exists():
        counts = json.loads(meta.read_text())
        print(f"extract (cached): {pbf}")
    else:
        t = time.perf_counter()
        counts = generate(pbf, args.scale)
        counts["generate_s"] = round(time.perf_counter() - t, 1)
        meta.write_text(json.dumps(counts))
        print(f"extract generated in {counts['generate_s']} s: {pbf}")
    print(f"  {counts['nodes']:,} nodes, {counts['ways']:,} ways, {counts['relations']:,} "
          f"relations, {counts['bytes'] / 1e6:.0f} MB")
    env = dict(os.environ, OMP_NUM_THREADS="2")
    r = subprocess.run([sys.executable, __file__, "--measure", str(pbf)], capture_output=True,
                       text=True, env=env)
    if r.returncode:
        print(r.stderr, file=sys.stderr)
        return 1
    res = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"clip + build the town: {res['total_s']} s wall (read+clip {res['read_clip_s']} s, "
          f"build {res['build_s']} s, diff {res['diff_s']} s), {res['cpu_s']} s CPU "
          f"(+ relation worker processes {res['worker_cpu_s']} s CPU, in parallel); "
          f"peak memory {res['peak_rss_mb']:.0f} MB (worker {res['worker_peak_rss_mb']:.0f} MB)")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          "cores (other work shares them; CPU time is what the work itself costs)")
    print(f"  goal < 60 s: {'met' if res['total_s'] < 60 else 'NOT met'} "
          f"(ratio {res['total_s'] / 60:.2f}); goal < 4 GB: "
          f"{'met' if res['peak_rss_mb'] + res['worker_peak_rss_mb'] < 4096 else 'NOT met'} "
          f"(ratio {(res['peak_rss_mb'] + res['worker_peak_rss_mb']) / 4096:.2f}, both "
          "processes)")
    print(f"  (read + clip without a data folder's boundary as first guess, 3 passes: "
          f"{res['read_clip_no_hint_s']} s)")
    print(f"  features: {res['features']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
