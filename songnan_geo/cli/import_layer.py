"""``python -m songnan_geo import``: bring a planner's file into a layer of the data folder.

::

    python -m songnan_geo import FILE --layer NAME [--crs wgs84|gcj02|bd09|cgcs2000|EPSG:n]
        [--lon-col C --lat-col C | --wkt-col C] [--sublayer S]
        [--encoding utf-8|gb18030|big5|shift_jis|utf-16]
        [--mode replace|upsert] [--new --title-zh T --title-en T] [--make-valid] [--drop-extra]
        [--source TEXT --accuracy-m N --estimated yes|no] [--auto-ids] [--keep-datum]
        [--data-dir DIR] [--dry-run] [--lang en|zh] [--editor NAME]
    python -m songnan_geo import --undo --editor NAME [--data-dir DIR]

The data folder is ``--data-dir``, else the one the app reads (``SONGNAN_DATA_DIR``, else the
editable copy in the user folder; see :mod:`songnan_geo.config`). The file is checked first
(:func:`songnan_geo.layers.importer.import_layer`); every problem is printed and nothing is
stored (exit 1). When the features look shifted by GCJ-02/BD-09 the command stops and says so:
re-run with ``--crs gcj02`` (or ``bd09``) to convert, or ``--keep-datum`` to store them as they
are. Storing is atomic with a backup;
``--undo`` reverts the latest import.

Storing and undoing are writes: they need an editor (``--editor NAME``; the password is read
from the environment variable ``SONGNAN_EDITOR_PASSWORD``, else asked for on the terminal),
checked against the editors' secrets with the tracker store's login throttling, as the app's
login does (:func:`songnan_geo.auth.authenticate`). ``--dry-run`` needs no editor. The layer's
version is read when the file is checked; if another editor changes the layer before the
store, nothing is stored and the message names them
(:class:`~songnan_geo.layers.layerstore.StaleLayerError`). The file's problems, notes and offers are
printed in English, or in Chinese with ``--lang zh`` (:mod:`songnan_geo.text.import_messages`).
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from songnan_geo import config
from songnan_geo.cli.login import add_editor_argument, login_editor

if TYPE_CHECKING:
    pass

#: Environment variable holding the editor's password (scripts); else a terminal prompt.


def register(sub) -> None:
    p = sub.add_parser(
        "import", help="import a GeoJSON/Shapefile zip/GPKG/KML/CSV/XLSX file into a layer",
        description="Check a planner's file against a layer's rules and store it (atomic, "
                    "with a backup; --undo reverts). Nothing is stored when any problem is "
                    "found.")
    p.add_argument("file", nargs="?", help="the file to import")
    p.add_argument("--layer", help="target layer name (an existing layer, or a new one with --new)")
    p.add_argument("--new", action="store_true", help="create a new layer named --layer")
    p.add_argument("--title-zh", help="Chinese title of a new layer")
    p.add_argument("--title-en", help="English title of a new layer")
    p.add_argument("--mode", choices=["replace", "upsert"], default="replace",
                   help="replace the layer (default) or update/add features by id")
    p.add_argument("--crs", help="what the coordinates are: wgs84, gcj02, bd09, cgcs2000 or "
                                 "EPSG:n (default: the file's own CRS)")
    p.add_argument("--lon-col", help="CSV/XLSX longitude column")
    p.add_argument("--lat-col", help="CSV/XLSX latitude column")
    p.add_argument("--wkt-col", help="CSV/XLSX column holding WKT geometries")
    p.add_argument("--encoding", help="CSV text encoding, e.g. utf-8, gb18030, big5, shift_jis, "
                                      "utf-16 (default: detected; an uncertain detection is "
                                      "refused)")
    p.add_argument("--sublayer", help="GeoPackage table, KML folder, XLSX sheet or Shapefile")
    p.add_argument("--make-valid", action="store_true", help="repair invalid geometries")
    p.add_argument("--drop-extra", action="store_true",
                   help="drop columns that are not fields of the layer")
    p.add_argument("--source", help="source text for features that have none")
    p.add_argument("--accuracy-m", type=float, help="positional accuracy (m) where missing")
    p.add_argument("--estimated", choices=["yes", "no"], help="'estimated' where missing")
    p.add_argument("--auto-ids", action="store_true", help="generate missing ids")
    p.add_argument("--keep-datum", action="store_true",
                   help="store even if the features look shifted by GCJ-02/BD-09")
    p.add_argument("--data-dir", help="data folder (default: the one the app reads, see songnan_geo.config)")
    p.add_argument("--dry-run", action="store_true", help="check only; store nothing")
    p.add_argument("--undo", action="store_true", help="revert the latest import")
    add_editor_argument(p)
    p.add_argument("--lang", choices=["en", "zh"], default="en",
                   help="language of the file's problems, notes and offers (default: en)")
    p.set_defaults(func=run)


def _fail(message: str, code: int = 2) -> int:
    print(f"import: {message}", file=sys.stderr)
    return code


def run(args) -> int:
    # geopandas and the importer load only when the command runs (``--help`` starts at once)
    from songnan_geo import auth  # noqa: PLC0415
    from songnan_geo.layers.importer import ImportOptions, import_layer, layer_target  # noqa: PLC0415
    from songnan_geo.layers.io import LayerValidationError, load_all_layers, read_manifest  # noqa: PLC0415
    from songnan_geo.layers.layerstore import LayerStore, StoreError  # noqa: PLC0415

    # the folder the app reads; the repository's own data/geo is refused by LayerStore, naming the fix
    data_dir = args.data_dir or str(config.data_dir())
    try:
        store = LayerStore(data_dir)
    except StoreError as exc:
        return _fail(str(exc))
    if args.undo:
        editor = _login(args, data_dir)
        if not isinstance(editor, auth.Editor):
            return editor
        try:
            op = store.undo(editor=editor)
        except (StoreError, OSError) as exc:
            text = exc.text(args.lang) if hasattr(exc, "text") else str(exc)
            return _fail(f"nothing was undone: {text}", 1)
        if op is None:
            print("nothing to undo")
            return 0
        print(f"undone: {op.action} of layer '{op.layer}' ({op.time})")
        return 0
    if not args.file or not args.layer:
        return _fail("give the FILE and --layer NAME (or --undo).")
    # the version the file is checked against, read before the layers are: a write landing
    # after this point makes the store refuse ours, naming its editor
    base_version = store.layer_version(args.layer)
    try:
        layers, manifest = load_all_layers(data_dir), read_manifest(data_dir)
    except LayerValidationError as exc:
        return _fail("the data folder does not validate, so nothing is imported:\n"
                     + exc.text(args.lang))
    if args.new == (args.layer in manifest["layers"]):
        return _fail(f"layer '{args.layer}' " + ("already exists; drop --new to update it."
                                                 if args.new else
                                                 "does not exist; add --new to create it. "
                                                 f"Layers: {', '.join(manifest['layers'])}."))
    schema = None if args.new else store.schema(args.layer)
    target = layer_target(args.layer, layers, manifest, schema, new=args.new)
    defaults = {k: v for k, v in (("source", args.source), ("accuracy_m", args.accuracy_m),
                                  ("estimated", None if args.estimated is None
                                   else args.estimated == "yes")) if v is not None}
    options = ImportOptions(crs=args.crs, lon_col=args.lon_col, lat_col=args.lat_col,
                            wkt_col=args.wkt_col, encoding=args.encoding, sublayer=args.sublayer,
                            make_valid=args.make_valid, drop_extra=args.drop_extra,
                            defaults=defaults, auto_ids=args.auto_ids, mode=args.mode)
    result = import_layer(args.file, None, target, options)
    report = result.report(args.lang)
    if report:
        print(report)
    if not result.ok:
        return 1
    if any(o.kind == "convert_datum" for o in result.offers) and not args.keep_datum:
        return _fail("the features look shifted (see the offer above). Re-run with --crs as "
                     "offered to convert them, or with --keep-datum to store them as they are.", 1)
    if args.dry_run:
        print(f"dry run: {len(result.layer)} feature(s) would be stored in '{args.layer}'.")
        return 0
    editor = _login(args, data_dir)
    if not isinstance(editor, auth.Editor):
        return editor
    try:
        op = store.save_import(args.layer, result.layer, new=args.new, schema=result.schema,
                               geometry_types=result.geometry_types,
                               titles={"zh": args.title_zh, "en": args.title_en},
                               note=f"import {os.path.basename(args.file)}",
                               editor=editor, base_version=base_version)
    except (StoreError, LayerValidationError, OSError) as exc:
        text = exc.text(args.lang) if hasattr(exc, "text") else str(exc)
        return _fail(f"nothing was stored: {text}", 1)
    print(f"stored {op.features} feature(s) in layer '{args.layer}' ({op.action}) by "
          f"{op.editor}; undo with: python -m songnan_geo import --undo --editor NAME")
    return 0


def _login(args, data_dir: str):
    """The editor of ``--editor``, logged in (:func:`songnan_geo.cli.login.login_editor`); else
    the exit code after printing why."""
    got = login_editor(args.editor, data_dir, "import")
    if isinstance(got, tuple):
        return _fail(*got)
    return got
