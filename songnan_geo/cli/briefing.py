"""``python -m songnan_geo briefing --site ID|all --out DIR [--format pdf|html]``.

Writes investment briefings (:mod:`songnan_geo.briefing.render`) for one site, several
(comma-separated ids) or ``all`` (every parcel, carrier park and zone; ``--kind`` narrows
``all`` to one kind), with a progress bar on stderr. The layers are loaded and validated once.
An unknown id is an error (exit 2) that lists the valid ids; nothing is written then.
``--from-store`` prints parcel status and carrier parks as tracked in the app's store (地块进度,
产业载体), as the 招商简报 page does, instead of the layers as shipped.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import time

from songnan_geo import config

# The choices are spelled out here so that ``--help`` loads no geopandas/folium/matplotlib;
# tests/unit/test_cli_start.py checks that they equal the package's own tables
# (briefing.render.FORMATS, briefing.facts.SITE_LAYERS, maps.basemaps.BASEMAPS).
FORMAT_CHOICES = ("html", "pdf")
KIND_CHOICES = ("parcel", "park", "zone")
BASEMAP_CHOICES = ("blank", "osm", "cartodb_positron", "gaode_vector", "gaode_satellite",
                   "tianditu_vector", "tianditu_satellite")
#: Environment variable with the contact line (same as briefing.facts.CONTACT_ENV).
CONTACT_ENV = "SONGNAN_BRIEFING_CONTACT"

def register(subparsers) -> None:
    p = subparsers.add_parser(
        "briefing", help="write investment briefings (HTML/PDF with a map) for sites",
        description="Write investment briefings (招商简报) with a map for a parcel, carrier park "
                    "or zone, or for all of them.")
    p.add_argument("--site", required=True,
                   help="a site id (parcel, carrier park or zone), several separated by commas, "
                        "or 'all'")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--format", choices=FORMAT_CHOICES, action="append", dest="formats",
                   help="pdf or html; repeat for both (default: both)")
    p.add_argument("--kind", choices=KIND_CHOICES,
                   help="with --site all: only sites of this kind")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")
    p.add_argument("--data-dir", default=None,
                   help="folder with manifest.json and the layers (default: the project's data/geo)")
    p.add_argument("--contact", default=None,
                   help="contact line printed on every briefing (office, person, phone); required "
                        "unless $SONGNAN_BRIEFING_CONTACT is set")
    p.add_argument("--date", default=None, type=_dt.date.fromisoformat,
                   help="date printed on the briefings, YYYY-MM-DD (default: today)")
    p.add_argument("--dpi", type=float, default=110, help="map resolution (default 110)")
    p.add_argument("--basemap", choices=BASEMAP_CHOICES, default="blank",
                   help="online basemap drawn under the map when reachable (default blank: no "
                        "tiles, no network)")
    p.add_argument("--from-store", action="store_true",
                   help="parcel status and carrier parks as tracked in the app's store (地块进度, "
                        "产业载体; SONGNAN_STORE_URL, SONGNAN_STORE_PATH or the user folder), as the "
                        "briefing page prints them; default: the layers as shipped")
    p.set_defaults(func=run)


def _selected(layers, site: str, kind: str | None) -> list[str] | str:
    """Site ids to brief, or an error message."""
    from songnan_geo.briefing.facts import list_sites, unknown_site_message  # noqa: PLC0415

    if site.strip() == "all":
        return [r.id for r in list_sites(layers, kind)]
    if kind:
        return "--kind only narrows --site all; drop it or pass --site all."
    ids = [s.strip() for s in site.split(",") if s.strip()]
    valid = {r.id for r in list_sites(layers)}
    unknown = [s for s in ids if s not in valid]
    if not ids:
        return "--site is empty. " + unknown_site_message(layers, site)
    if unknown:
        return unknown_site_message(layers, ", ".join(unknown))
    return ids


def _progress(items, **kwargs):
    """A tqdm progress bar on stderr, drawn only when stderr is a terminal (no ``\\r`` in logs)."""
    from tqdm import tqdm  # noqa: PLC0415

    return tqdm(items, file=sys.stderr, disable=not sys.stderr.isatty() or len(items) < 2, **kwargs)


def run(args: argparse.Namespace) -> int:
    contact = (args.contact if args.contact is not None else os.environ.get(CONTACT_ENV, "")).strip()
    if not contact:
        print(f"error: an investor briefing needs a contact line: pass --contact \"office, person, "
              f"phone\" or set {CONTACT_ENV}. Nothing was written.", file=sys.stderr)
        return 2
    # Heavy modules (geopandas, matplotlib, folium) load only when the command runs.
    from songnan_geo.briefing.facts import status_by_parcel  # noqa: PLC0415
    from songnan_geo.briefing.map import CJKFontMissingError, cjk_font_path  # noqa: PLC0415
    from songnan_geo.briefing.render import make_briefing, write_briefing  # noqa: PLC0415
    from songnan_geo.layers.io import LayerValidationError, load_all_layers, read_manifest  # noqa: PLC0415
    from songnan_geo.store.carriers import CarrierStore  # noqa: PLC0415
    from songnan_geo.store.tracker import TrackerError, open_store  # noqa: PLC0415

    if args.data_dir is None:
        args.data_dir = str(config.data_dir())
    formats = tuple(dict.fromkeys(args.formats or ["html", "pdf"]))
    try:
        layers = load_all_layers(args.data_dir)
        manifest = read_manifest(args.data_dir)
    except (LayerValidationError, FileNotFoundError) as exc:
        print(f"error: the data in {args.data_dir} cannot be used:\n{exc}", file=sys.stderr)
        return 2
    status = None
    if args.from_store:
        try:
            tracker = open_store(data_dir=args.data_dir)
            status = status_by_parcel(tracker.parcels())
            layers = {**layers, "carrier_parks": CarrierStore(tracker).current(layers["carrier_parks"])}
            print(f"status and carrier parks from the store: {tracker.description}", file=sys.stderr)
            tracker.dispose()
        except TrackerError as exc:
            print(f"error: --from-store: the store cannot be opened: {exc}", file=sys.stderr)
            return 2
    ids = _selected(layers, args.site, args.kind)
    if isinstance(ids, str):
        print(f"error: {ids}", file=sys.stderr)
        return 2
    if "pdf" in formats:
        try:
            cjk_font_path()
        except CJKFontMissingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    start, written = time.perf_counter(), []
    for site_id in _progress(ids, desc="briefings", unit="site"):
        out = make_briefing(layers, manifest, site_id, lang=args.lang, formats=formats,
                            dpi=args.dpi, contact=contact, as_of=args.date,
                            basemap=args.basemap, status=status)
        written += write_briefing(args.out, site_id, out.documents, args.lang)
    secs = time.perf_counter() - start
    for path in written:
        print(path)
    print(f"{len(ids)} site(s), {len(written)} file(s) in {args.out} "
          f"({secs:.1f} s, {secs / max(len(ids), 1):.2f} s per site)", file=sys.stderr)
    return 0
