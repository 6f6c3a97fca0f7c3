"""How long a briefing takes and how big its files are.

Not a test: it prints measured numbers from one run over every site (12 parcels, 13 carrier
parks, 4 zones), with the layers loaded once: seconds per site for the facts, the map, the
HTML and the PDF, and the sizes of the PNG, HTML and PDF, at the map resolution given.

Usage (from anywhere)::

    .venv/bin/python -m benchmarks.briefing [--dpi 110] [--lang zh]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

from songnan_geo.briefing.facts import briefing_facts, list_sites, roads_walk_fn  # noqa: E402
from songnan_geo.briefing.map import draw_site_map  # noqa: E402
from songnan_geo.briefing.render import render_html, render_pdf  # noqa: E402
from songnan_geo.layers.io import load_all_layers, read_manifest  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", type=float, default=110)
    ap.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = ap.parse_args()

    t0 = time.perf_counter()
    layers, manifest = load_all_layers(), read_manifest()
    print(f"load and validate layers: {time.perf_counter() - t0:.2f} s")
    walk = roads_walk_fn(layers["roads"])
    draw_site_map(layers, manifest, "p_dongya", dpi=args.dpi)  # warm-up: fonts, imports
    times = {k: [] for k in ("facts", "map", "html", "pdf", "total")}
    sizes = {k: [] for k in ("png", "html", "pdf")}
    sites = list_sites(layers)
    for site in sites:
        t = [time.perf_counter()]
        facts = briefing_facts(layers, site.id, walk_fn=walk)
        t.append(time.perf_counter())
        image = draw_site_map(layers, manifest, site.id, lang=args.lang, dpi=args.dpi)
        t.append(time.perf_counter())
        html = render_html(facts, image, args.lang).encode("utf-8")
        t.append(time.perf_counter())
        pdf = render_pdf(facts, image, args.lang)
        t.append(time.perf_counter())
        for key, a, b in (("facts", 0, 1), ("map", 1, 2), ("html", 2, 3), ("pdf", 3, 4),
                          ("total", 0, 4)):
            times[key].append(t[b] - t[a])
        sizes["png"].append(len(image.png))
        sizes["html"].append(len(html))
        sizes["pdf"].append(len(pdf))
    print(f"{len(sites)} sites, map {args.dpi:g} dpi, lang {args.lang}")
    for key, vals in times.items():
        print(f"  {key:6s} median {statistics.median(vals):.3f} s, max {max(vals):.3f} s per site")
    for key, vals in sizes.items():
        print(f"  {key:6s} median {statistics.median(vals) / 1024:.0f} KiB, "
              f"max {max(vals) / 1024:.0f} KiB")
    print(f"all {len(sites)} briefings: {sum(times['total']):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
