"""The data manager's import tab for editors: a planner's file → check → preview → confirm → undo.

Every write goes through :class:`songnan_geo.layers.layerstore.LayerStore` with the editor's name and
the layer version the preview was built on, so a change made meanwhile is refused, never
overwritten. What is shown is computed by :mod:`songnan_geo.layers.preview`.
"""
from __future__ import annotations

import os

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from songnan_geo import auth, config
from songnan_geo.layers.importer import ENCODINGS, MAX_FILE_BYTES, ImportOptions, import_layer, layer_target
from songnan_geo.layers.io import layer_schema, load_layer
from songnan_geo.layers.layerstore import StaleLayerError, StoreError, make_editable_copy
from songnan_geo.layers.preview import (
    epsg_crs,
    import_facts,
    parse_defaults,
    preview_inputs,
    problem_frame,
)
from songnan_geo.maps.folium_map import build_map
from songnan_geo.store.db import format_time
from songnan_geo.text.i18n import TEXT, layer_title, t
from songnan_ui.page import PageContext, show_error

CRS_CHOICES = ["file", "wgs84", "gcj02", "bd09", "cgcs2000", "epsg"]


def history_frame(ops, lang: str) -> pd.DataFrame:
    """The journal, newest first, with who made each write."""
    rows = [{t("dm_hcol_time", lang): format_time(op.time),
             t("dm_hcol_action", lang): t(f"dm_action_{op.action}", lang)
             if f"dm_action_{op.action}" in TEXT else op.action,
             t("dm_hcol_layer", lang): op.layer, t("dm_hcol_features", lang): op.features,
             t("dm_hcol_editor", lang): op.editor or t("dm_editor_unrecorded", lang),
             t("dm_hcol_note", lang): op.note, t("dm_hcol_undone", lang): bool(op.undone)}
            for op in reversed(ops)]
    return pd.DataFrame(rows, columns=[t(f"dm_hcol_{c}", lang) for c in (
        "time", "action", "layer", "features", "editor", "note", "undone")])


def _base(store, data_dir: str, file_id: str, layer: str, new: bool):
    """(version, frame) of the layer the preview of this file is based on, read from the data
    folder when that preview is first built and kept in the session with it: the write carries
    this version, so a change made meanwhile (by anyone, in any process) is refused, never
    overwritten. The frame is None for a new layer (or without a writable store)."""
    held = st.session_state.get("dm_base")
    if held is None or held[0] != (file_id, layer, new):
        version = store.layer_version(layer) if store is not None else ""
        # version first, then the data: a write in between makes the data newer than the
        # version, so confirming is refused (never the other way round)
        current = load_layer(layer, data_dir) if version and not new else None
        held = st.session_state["dm_base"] = ((file_id, layer, new), version, current)
    return held[1], held[2]


def _reset_upload() -> None:
    st.session_state["dm_upload_n"] = st.session_state.get("dm_upload_n", 0) + 1


def _accept(options: dict) -> None:
    """on_click of an offer: put its options into the widgets."""
    if "crs" in options:
        st.session_state["dm_crs"] = options["crs"]
    for key in ("make_valid", "drop_extra", "auto_ids"):
        if options.get(key):
            st.session_state[f"dm_{key}"] = True


def _done(flash: str) -> None:
    """A write succeeded: say so on the next run, which reloads the layers from disk."""
    st.session_state["dm_flash"] = flash
    st.cache_resource.clear()
    st.rerun()


def _copy_offer(editor, data_dir: str, store_error: str, lang: str) -> None:
    """The store is read-only: why, and (for the repository's own data) a button making an editable copy."""
    st.warning(t("dm_read_only", lang))
    st.caption(store_error)  # the planner's sentence; paths stay in the CLI's message
    if config.is_repository_data(data_dir) and not os.environ.get(config.DATA_DIR_ENV):
        if st.button(t("dm_make_copy", lang), key="dm_make_copy", type="primary"):
            try:
                made = make_editable_copy(editor=editor)
            except (StoreError, auth.EditorRequiredError, OSError) as exc:
                show_error(exc, lang, t("dm_store_failed", lang))
            else:
                _done(t("dm_copy_made", lang).format(path=made))


def _target_widgets(ctx: PageContext):
    """(kind, layer, mode, titles) from the target widgets: update an existing layer or add one."""
    lang = ctx.lang
    kind = st.radio(t("dm_target", lang), ["update", "new"], horizontal=True, key="dm_target_kind",
                    format_func=lambda k: t(f"dm_target_{k}", lang))
    if kind == "update":
        c1, c2 = st.columns(2)
        layer = c1.selectbox(t("choose_layer", lang), list(ctx.manifest["layers"]), key="dm_layer",
                             format_func=lambda n: layer_title(ctx.manifest["layers"][n], lang))
        mode = c2.radio(t("dm_mode", lang), ["replace", "upsert"], key="dm_mode", horizontal=True,
                        format_func=lambda m: t(f"dm_mode_{m}", lang))
        return kind, layer, mode, None
    c1, c2, c3 = st.columns(3)
    layer = c1.text_input(t("dm_new_name", lang), key="dm_new_name",
                          help=t("dm_new_name_help", lang)).strip()
    titles = {"zh": c2.text_input(t("dm_title_zh", lang), key="dm_title_zh").strip(),
              "en": c3.text_input(t("dm_title_en", lang), key="dm_title_en").strip()}
    return kind, layer, "replace", titles


def _option_widgets(upload, mode: str, lang: str) -> tuple[ImportOptions, bool, list]:
    """(options, is_table, columns known) from the reading widgets of the uploaded file."""
    c1, c2, c3 = st.columns(3)
    crs_choice = c1.selectbox(t("dm_crs", lang), CRS_CHOICES, key="dm_crs",
                              format_func=lambda c: t(f"dm_crs_{c}", lang))
    crs = None if crs_choice == "file" else crs_choice
    if crs_choice == "epsg":
        crs = epsg_crs(c2.text_input(t("dm_epsg", lang), key="dm_epsg", placeholder="4549"))
    encoding = c3.selectbox(t("dm_encoding", lang), ["auto", *ENCODINGS],
                            key="dm_encoding", format_func=lambda e: t(f"dm_enc_{e}", lang))
    is_table = os.path.splitext(upload.name)[1].lower() in (".csv", ".txt", ".xlsx")
    columns = st.session_state.get("dm_columns", {}).get(upload.file_id, [])
    lon_col = lat_col = wkt_col = None
    if is_table and columns:
        c1, c2, c3 = st.columns(3)
        auto = ["(auto)"] + columns
        picked = (c1.selectbox(t("dm_lon_col", lang), auto, key="dm_lon_col"),
                  c2.selectbox(t("dm_lat_col", lang), auto, key="dm_lat_col"),
                  c3.selectbox(t("dm_wkt_col", lang), auto, key="dm_wkt_col"))
        lon_col, lat_col, wkt_col = (None if v == "(auto)" else v for v in picked)
    sublayers = st.session_state.get("dm_sublayers", {}).get(upload.file_id, [])
    sublayer = None
    if len(sublayers) > 1:
        sublayer = st.selectbox(t("dm_sublayer", lang), ["(all)"] + sublayers, key="dm_sublayer")
        sublayer = None if sublayer == "(all)" else sublayer
    with st.expander(t("dm_defaults", lang)):
        c1, c2, c3 = st.columns(3)
        d_source = c1.text_input(t("dm_def_source", lang), key="dm_def_source").strip()
        d_acc = c2.text_input(t("dm_def_accuracy", lang), key="dm_def_accuracy").strip()
        d_est = c3.selectbox(t("dm_def_estimated", lang), ["", "yes", "no"], key="dm_def_estimated",
                             format_func=lambda v: t(f"dm_est_{v or 'none'}", lang))
        st.checkbox(t("dm_auto_ids", lang), key="dm_auto_ids")
    c1, c2 = st.columns(2)
    c1.checkbox(t("dm_make_valid", lang), key="dm_make_valid")
    c2.checkbox(t("dm_drop_extra", lang), key="dm_drop_extra")
    defaults, bad_accuracy = parse_defaults(d_source, d_acc, d_est)
    if bad_accuracy:
        st.warning(t("dm_accuracy_not_number", lang))
    state = st.session_state
    options = ImportOptions(
        crs=crs, lon_col=lon_col, lat_col=lat_col, wkt_col=wkt_col,
        encoding=None if encoding == "auto" else encoding, sublayer=sublayer,
        make_valid=state.get("dm_make_valid", False), drop_extra=state.get("dm_drop_extra", False),
        defaults=defaults, auto_ids=state.get("dm_auto_ids", False), mode=mode)
    return options, is_table, columns


def _show_checks(result, lang: str) -> bool:
    """The file's facts, problems, warnings and offers; whether to keep the datum as read."""
    st.caption(import_facts(result.info, lang))
    if result.problems:
        st.error(t("dm_problems", lang).format(n=len(result.problems)))
        st.dataframe(problem_frame(result.problems, lang), hide_index=True, width="stretch",
                     key="dm_problem_table")
    for w in result.warnings:
        st.warning(w.text(lang))
    datum_offer = None
    for i, offer in enumerate(result.offers):
        st.info(t(f"dm_offer_{offer.kind}", lang) + "\n\n" + offer.text(lang))
        if offer.kind == "convert_datum":
            datum_offer = offer
        if offer.kind in ("convert_datum", "make_valid", "drop_extra") or offer.options.get("auto_ids"):
            st.button(t("dm_accept_offer", lang), key=f"dm_offer_{i}_{offer.kind}",
                      on_click=_accept, args=(offer.options,))
    return datum_offer is None or st.checkbox(t("dm_keep_datum", lang), key="dm_keep_datum")


def _preview_and_confirm(ctx, store, editor, upload, layer, new, titles, result, base_layers,
                         base_version, keep: bool) -> None:
    lang = ctx.lang
    st.subheader(t("dm_preview", lang))
    shown, shown_manifest = preview_inputs(base_layers, ctx.manifest, layer, result.layer, new=new,
                                           titles=titles, geometry_types=result.geometry_types)
    fmap = build_map(shown, shown_manifest, lang=lang, basemap=ctx.basemap,
                     visible={layer, "boundary"} & set(shown))
    st_folium(fmap, height=420, use_container_width=True, returned_objects=[], key=f"dm_preview_{lang}")
    st.dataframe(result.layer.drop(columns="geometry").head(200), hide_index=True, width="stretch",
                 key="dm_preview_table")
    st.caption(t("dm_preview_counts", lang).format(before=len(base_layers.get(layer, [])),
                                                   after=len(result.layer)))
    if st.button(t("dm_confirm", lang), type="primary", key="dm_confirm",
                 disabled=not (store is not None and keep)):
        try:
            op = store.save_import(layer, result.layer, new=new, schema=result.schema,
                                   geometry_types=result.geometry_types, titles=titles,
                                   note=f"import {upload.name}", editor=editor,
                                   base_version=base_version)
        except StaleLayerError as exc:   # nothing stored: show the layer as it is now
            st.session_state["dm_stale"] = exc.text(lang)
            st.session_state.pop("dm_base", None)
            st.cache_resource.clear()
            st.rerun()
        except Exception as exc:  # nothing stored; never a traceback
            show_error(exc, lang, t("dm_store_failed", lang))
        else:
            _reset_upload()
            _done(t("dm_stored", lang).format(n=op.features, layer=layer))


def _undo_and_history(store, editor, lang: str) -> None:
    last = store.last_undoable()
    # the import this session showed as "last" before this run: undo reverts that one only
    shown = st.session_state.get("dm_undo_shown")
    st.session_state["dm_undo_shown"] = last.id if last else None
    st.divider()
    if last is None:
        st.caption(t("dm_nothing_to_undo", lang))
    else:
        st.caption(t("dm_last_op", lang).format(action=t(f"dm_action_{last.action}", lang),
                                                 layer=last.layer, time=format_time(last.time),
                                                 n=last.features))
        if st.button(t("dm_undo", lang), key="dm_undo"):
            if shown is not None and shown != last.id:
                st.error(t("dm_stale_undo", lang).format(
                    who=last.editor or t("dm_editor_unrecorded", lang),
                    when=format_time(last.time), layer=last.layer))
            else:
                try:
                    op = store.undo(editor=editor, op_id=last.id)
                except Exception as exc:  # nothing changed; never a traceback
                    show_error(exc, lang, t("dm_store_failed", lang))
                else:
                    _done(t("dm_undone", lang).format(layer=op.layer))
    with st.expander(t("dm_history", lang)):
        st.dataframe(history_frame(store.history(), lang), hide_index=True, width="stretch",
                     key="dm_history_table")


def layer_import_section(ctx: PageContext, store, store_error: str | None, editor,
                         data_dir: str) -> None:
    """The import tab: ``store`` is the data folder's LayerStore (None when read-only, then
    ``store_error`` says why); ``editor`` the logged-in editor's name."""
    lang = ctx.lang
    stale = st.session_state.pop("dm_stale", None)
    if stale:   # the last confirmation was refused: someone changed the layer meanwhile
        st.error(stale)
        st.info(t("dm_stale_note", lang))
    if store_error:
        _copy_offer(editor, data_dir, store_error, lang)
    kind, layer, mode, titles = _target_widgets(ctx)
    # No type filter: any file reaches the importer, which names what it accepts.
    upload = st.file_uploader(t("dm_file", lang), key=f"dm_file_{st.session_state.get('dm_upload_n', 0)}",
                              max_upload_size=MAX_FILE_BYTES // (1024 * 1024), help=t("dm_file_help", lang))
    if upload is not None and layer:
        options, is_table, columns = _option_widgets(upload, mode, lang)
        new = kind == "new"
        try:
            base_version, current = _base(store, data_dir, upload.file_id, layer, new)
            base_layers = ctx.layers if current is None else {**ctx.layers, layer: current}
            schema = None if new else layer_schema(layer, data_dir)
            target = layer_target(layer, base_layers, ctx.manifest, schema, new=new)
            if new and layer in ctx.manifest["layers"]:
                st.error(t("dm_name_taken", lang).format(name=layer))
                target = None
            result = import_layer(upload.getvalue(), upload.name, target, options) if target else None
        except Exception as exc:  # never a traceback on the page
            show_error(exc, lang, t("dm_unexpected", lang))
            result = None
        if result is not None:
            st.session_state.setdefault("dm_columns", {})[upload.file_id] = result.info.get("columns", [])
            st.session_state.setdefault("dm_sublayers", {})[upload.file_id] = result.info.get("sublayers", [])
            if is_table and result.info.get("columns") and not columns:
                st.rerun()  # show the column pickers now that the columns are known
            keep = _show_checks(result, lang)
            if result.ok:
                _preview_and_confirm(ctx, store, editor, upload, layer, new, titles, result,
                                     base_layers, base_version, keep)
    if store is not None:
        _undo_and_history(store, editor, lang)
