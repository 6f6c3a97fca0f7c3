"""``python -m songnan_geo osm``: build the town's layers from an OpenStreetMap extract.

::

    python -m songnan_geo osm EXTRACT [--layers roads,water,buildings,pois,boundary]
        [--margin-m 1000] [--moved-m 50] [--poi-table CSV] [--data-dir DIR] [--dry-run]
    python -m songnan_geo osm --undo --editor NAME [--data-dir DIR]

EXTRACT is a ``.osm.pbf`` (e.g. a Shanghai extract) or ``.osm`` XML (an Overpass export).
The layers are built with :func:`songnan_geo.layers.osm.build_from_extract`, clipped to the town
boundary (the extract's 淞南镇 relation, else the data folder's boundary) plus
``--margin-m``. The preview — per layer the features added, removed, moved by more than
``--moved-m`` metres and kept, and the named features that change — is printed before
anything is stored; ``--dry-run`` stops there. Every layer is validated before any is
written; each is then stored as one undoable operation (``--undo`` reverts the latest).
Exit codes: 0 done, 1 nothing stored (problems listed), 2 bad arguments or input.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from songnan_geo import config
from songnan_geo.cli.login import add_editor_argument, login_editor

if TYPE_CHECKING:
    from songnan_geo.layers import osm

# Spelled out so that ``--help`` loads no geopandas/pyosmium (tests/unit/test_cli_start.py checks
# them against layers.osm.LAYERS, DEFAULT_MARGIN_M, DEFAULT_MOVED_M and POI_TYPES_CSV).
LAYER_CHOICES = ("roads", "water", "buildings", "pois", "boundary")
DEFAULT_MARGIN_M = 1000.0
DEFAULT_MOVED_M = 50.0
POI_TYPES_CSV = config.REPO_DIR / "data" / "osm" / "poi_types.csv"


def register(sub) -> None:
    p = sub.add_parser(
        "osm", help="build roads (walking network), water, buildings, facilities and the "
                    "boundary from an OpenStreetMap extract (.osm.pbf / .osm)",
        description="Read an OpenStreetMap extract, clip it to the town plus a walking "
                    "margin, preview the change against the current layers and store it "
                    "(validated, atomic, undoable; --undo reverts the latest layer stored).")
    p.add_argument("extract", nargs="?", help="the OSM extract (.osm.pbf or .osm)")
    p.add_argument("--layers", default=",".join(LAYER_CHOICES),
                   help=f"what to build, comma-separated (default: {','.join(LAYER_CHOICES)})")
    p.add_argument("--margin-m", type=float, default=DEFAULT_MARGIN_M,
                   help="walking margin around the town boundary, metres (default 1000)")
    p.add_argument("--moved-m", type=float, default=DEFAULT_MOVED_M,
                   help="a matched feature farther than this from its old place counts as "
                        "moved, metres (default 50)")
    p.add_argument("--poi-table", default=str(POI_TYPES_CSV),
                   help="CSV mapping OSM tags to facility types (default data/osm/poi_types.csv)")
    p.add_argument("--data-dir", help="data folder (default: the one the app reads, see "
                                      "songnan_geo.config)")
    p.add_argument("--dry-run", action="store_true", help="preview only; store nothing")
    p.add_argument("--undo", action="store_true", help="revert the latest stored layer")
    add_editor_argument(p)
    p.add_argument("--show", type=int, default=20,
                   help="named changes listed per layer in the preview (default 20)")
    p.set_defaults(func=run)


def _fail(message: str, code: int = 2) -> int:
    print(f"osm: {message}", file=sys.stderr)
    return code


def _preview(preview: osm.OsmPreview, show: int) -> str:
    from songnan_geo.layers import osm  # noqa: PLC0415

    build, diff = preview.build, preview.diff
    lines = [f"source: {build.source}", f"town boundary: {build.boundary_from}"]
    for name, gdf in build.layers.items():
        lines.append(f"  {name}: {len(gdf)} feature(s) built")
    for name, why in build.skipped.items():
        lines.append(f"  {name}: not built — {osm.SKIP_REASONS[why]}")
    summary = preview.summary
    if len(summary):
        lines.append("change per layer (features):")
        lines.append(summary.to_string())
    changed = diff[diff["change"].isin(["moved", "removed"]) | (diff["change"] == "added")]
    for layer, rows in changed.groupby("layer", sort=False):
        rows = rows.sort_values("shift_m", ascending=False, na_position="last")
        lines.append(f"{layer}:")
        for _, r in rows.head(show).iterrows():
            shift = "" if r["shift_m"] is None or r["shift_m"] != r["shift_m"] else \
                f" {r['shift_m']:.0f} m (matched by {r['matched_by']})"
            lines.append(f"  {r['change']:<8}{r['name']}{shift}")
        if len(rows) > show:
            lines.append(f"  … and {len(rows) - show} more")
    before, after = preview.snap_before, preview.snap_after
    if after is not None:
        now = f"{before['median_m']:.0f} m now → " if before else ""
        lines.append(f"residents' straight-line snap to the walking network (median of "
                     f"{after['points']} demand points): {now}{after['median_m']:.0f} m with "
                     f"this network (90th percentile {after['p90_m']:.0f} m)")
    if len(build.untyped_pois):
        lines.append(f"{len(build.untyped_pois)} POI(s) match no row of the POI table (not "
                     "imported); add rows to the table to type them.")
    return "\n".join(lines)


def run(args) -> int:
    from songnan_geo.layers import osm  # noqa: PLC0415
    from songnan_geo.layers.io import LayerValidationError, load_all_layers  # noqa: PLC0415
    from songnan_geo.layers.layerstore import LayerStore, StoreError  # noqa: PLC0415

    data_dir = args.data_dir or str(config.data_dir())
    try:
        store = LayerStore(data_dir)
    except StoreError as exc:
        return _fail(str(exc))
    if args.undo:
        editor = login_editor(args.editor, data_dir, "osm")
        if isinstance(editor, tuple):
            return _fail(*editor)
        try:
            op = osm.store_undo(store, editor)
        except (StoreError, OSError) as exc:
            return _fail(f"nothing was undone: {exc}", 1)
        if op is None:
            print("nothing to undo")
        else:
            print(f"undone: {op.action} of layer '{op.layer}' ({op.time})")
        return 0
    if not args.extract:
        return _fail("give the EXTRACT (.osm.pbf or .osm), or --undo.")
    try:
        layers = osm.parse_layers(args.layers)
        current = load_all_layers(data_dir)
    except osm.OsmError as exc:
        return _fail(str(exc))
    except LayerValidationError as exc:
        return _fail("the data folder does not validate, so nothing is imported:\n" + str(exc))
    types = store.schema("facilities")["properties"]["type"]["enum"] \
        if "facilities" in store.manifest()["layers"] else None
    base_versions = osm.layer_versions(store, [osm.TARGET_LAYER[n] for n in layers])
    try:
        preview = osm.preview_extract(args.extract, current, layers=layers,
                                      margin_m=args.margin_m, moved_m=args.moved_m,
                                      poi_table=args.poi_table, allowed_types=types)
    except osm.OsmError as exc:
        return _fail(str(exc))
    build = preview.build
    print(_preview(preview, args.show))
    if not build.layers:
        return _fail("the extract gave nothing to store.", 1)
    if args.dry_run:
        print("dry run: nothing stored.")
        return 0
    editor = login_editor(args.editor, data_dir, "osm")
    if isinstance(editor, tuple):
        return _fail(*editor)
    try:
        ops = osm.write_layers(build, store, editor=editor, base_versions=base_versions,
                               extract_name=os.path.basename(args.extract))
    except LayerValidationError as exc:
        return _fail("nothing was stored:\n" + str(exc), 1)
    except osm.OsmError as exc:
        return _fail(str(exc), 1)
    except (StoreError, OSError) as exc:
        return _fail(f"storing stopped: {exc}", 1)
    for op in ops:
        print(f"stored {op.features} feature(s) in layer '{op.layer}' ({op.action})")
    print(f"undo with: python -m songnan_geo osm --undo (once per layer; {len(ops)} stored)")
    return 0
