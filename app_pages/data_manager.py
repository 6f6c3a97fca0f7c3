"""数据管理 — view and export any layer (GeoJSON, GeoPackage, zipped Shapefile, CSV, XLSX); an
editor logged in with the app's one login also imports a file as a new layer or an update (check,
preview, confirm, undo), each write checked against the layer version its preview showed and
recorded with the editor's name."""
import copy
import os

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from songnan_geo import config
from songnan_geo.layers.exporter import FORMATS as EXPORT_FORMATS, export_layer
from songnan_geo.layers.importer import (
    MAX_FILE_BYTES,
    ImportOptions,
    import_layer,
    layer_target,
)
from songnan_geo.layers.io import LayerValidationError, layer_schema, load_layer
from songnan_geo.layers.layerstore import LayerStore, StaleLayerError, StoreError, make_editable_copy
from songnan_geo.maps.folium_map import build_map
from songnan_geo.store import auth
from songnan_geo.store.tracker import StoreConfigError, TrackerError, format_time
from songnan_geo.text.error_messages import LocalisedError
from songnan_geo.text.i18n import TEXT, field_label, layer_title, t
from songnan_ui.login import editor_login
from songnan_ui.osm_import import osm_import_section
from songnan_ui.stores import open_stores

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]
data_dir = str(config.data_dir())

st.title(t("data_manager", lang))
st.caption(t("dm_intro", lang))

flash = st.session_state.pop("dm_flash", None)
if flash:
    st.success(flash)

try:
    store, store_error = LayerStore(data_dir), None
except StoreError as exc:
    store, store_error = None, str(exc)

# One login for the whole app (the tracker's store keeps the failed logins). Viewers see the
# layers and the exports only; every write below needs the editor returned here.
try:
    tracker = open_stores().tracker
except (StoreConfigError, TrackerError) as exc:
    st.error(t("dm_login_unavailable", lang))
    st.code(str(exc), language=None)
    editor = None
else:
    editor = editor_login(tracker, lang, key="dm", readonly_note=t("dm_readonly_viewer", lang))

names = list(manifest["layers"])
CRS_CHOICES = ["file", "wgs84", "gcj02", "bd09", "cgcs2000", "epsg"]


def _title(name: str) -> str:
    return layer_title(manifest["layers"][name], lang)


def _field_shown(field: str | None) -> str:
    """A problem's field: in Chinese with its label first ('来源（source）'); the file's own
    structure members (type, features, crs…) and unlabelled columns by their name."""
    if not field:
        return ""
    label = field_label(field, lang)
    if lang == "en" or label == field or field in ("type", "features", "properties", "crs"):
        return field
    return f"{label}（{field}）"


def _error_text(exc: Exception) -> str:
    return exc.text(lang) if isinstance(exc, (LayerValidationError, LocalisedError)) else str(exc)


def _base(file_id: str, layer: str, new: bool):
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


def _history_frame(ops) -> pd.DataFrame:
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


def _reset_upload() -> None:
    st.session_state["dm_upload_n"] = st.session_state.get("dm_upload_n", 0) + 1


def _accept(options: dict) -> None:
    """on_click of an offer: put its options into the widgets."""
    if "crs" in options:
        st.session_state["dm_crs"] = options["crs"]
    for key in ("make_valid", "drop_extra", "auto_ids"):
        if options.get(key):
            st.session_state[f"dm_{key}"] = True


if editor is not None:
    tab_import, tab_osm, tab_layers = st.tabs([t("dm_import", lang), t("osm_title", lang),
                                               t("dm_layers", lang)])
else:   # a viewer: the layers and their exports only, no write widget at all
    tab_import, tab_osm, tab_layers = None, None, st.container()

# --------------------------------------------------------------------------- import (editors)
if tab_import is not None:
    with tab_import:
        stale = st.session_state.pop("dm_stale", None)
        if stale:   # the last confirmation was refused: someone changed the layer meanwhile
            st.error(stale)
            st.info(t("dm_stale_note", lang))
        if store_error:
            st.warning(t("dm_read_only", lang))
            st.code(store_error, language=None)
            if config.is_repository_data(data_dir) and not os.environ.get(config.DATA_DIR_ENV):
                if st.button(t("dm_make_copy", lang), key="dm_make_copy", type="primary"):
                    try:
                        made = make_editable_copy(editor=editor)
                    except (StoreError, auth.EditorRequiredError, OSError) as exc:
                        st.error(t("dm_store_failed", lang))
                        st.code(_error_text(exc), language=None)
                    else:
                        st.cache_resource.clear()   # the app now reads the copy
                        st.session_state["dm_flash"] = t("dm_copy_made", lang).format(path=made)
                        st.rerun()
        kind = st.radio(t("dm_target", lang), ["update", "new"], horizontal=True, key="dm_target_kind",
                        format_func=lambda k: t(f"dm_target_{k}", lang))
        if kind == "update":
            c1, c2 = st.columns(2)
            layer = c1.selectbox(t("choose_layer", lang), names, key="dm_layer", format_func=_title)
            mode = c2.radio(t("dm_mode", lang), ["replace", "upsert"], key="dm_mode", horizontal=True,
                            format_func=lambda m: t(f"dm_mode_{m}", lang))
            titles = None
        else:
            c1, c2, c3 = st.columns(3)
            layer = c1.text_input(t("dm_new_name", lang), key="dm_new_name",
                                  help=t("dm_new_name_help", lang)).strip()
            titles = {"zh": c2.text_input(t("dm_title_zh", lang), key="dm_title_zh").strip(),
                      "en": c3.text_input(t("dm_title_en", lang), key="dm_title_en").strip()}
            mode = "replace"

        # No type filter: any file reaches the importer, which names what it accepts.
        upload = st.file_uploader(
            t("dm_file", lang),
            key=f"dm_file_{st.session_state.get('dm_upload_n', 0)}",
            max_upload_size=MAX_FILE_BYTES // (1024 * 1024),
            help=t("dm_file_help", lang))

        if upload is not None and layer:
            c1, c2, c3 = st.columns(3)
            crs_choice = c1.selectbox(t("dm_crs", lang), CRS_CHOICES, key="dm_crs",
                                      format_func=lambda c: t(f"dm_crs_{c}", lang))
            crs = None if crs_choice == "file" else crs_choice
            if crs_choice == "epsg":
                code = c2.text_input(t("dm_epsg", lang), key="dm_epsg", placeholder="4549").strip()
                crs = f"EPSG:{code.upper().removeprefix('EPSG:')}" if code else "EPSG:"
            encoding = c3.selectbox(t("dm_encoding", lang), ["auto", "utf-8", "gb18030"],
                                    key="dm_encoding", format_func=lambda e: t(f"dm_enc_{e}", lang))
            suffix = os.path.splitext(upload.name)[1].lower()
            is_table = suffix in (".csv", ".txt", ".xlsx")
            columns = st.session_state.get("dm_columns", {}).get(upload.file_id, [])
            lon_col = lat_col = wkt_col = None
            if is_table and columns:
                c1, c2, c3 = st.columns(3)
                auto = ["(auto)"] + columns
                lon_col = c1.selectbox(t("dm_lon_col", lang), auto, key="dm_lon_col")
                lat_col = c2.selectbox(t("dm_lat_col", lang), auto, key="dm_lat_col")
                wkt_col = c3.selectbox(t("dm_wkt_col", lang), auto, key="dm_wkt_col")
                lon_col, lat_col, wkt_col = (None if v == "(auto)" else v
                                             for v in (lon_col, lat_col, wkt_col))
            sublayers = st.session_state.get("dm_sublayers", {}).get(upload.file_id, [])
            sublayer = None
            if len(sublayers) > 1:
                sublayer = st.selectbox(t("dm_sublayer", lang), ["(all)"] + sublayers, key="dm_sublayer")
                sublayer = None if sublayer == "(all)" else sublayer
            with st.expander(t("dm_defaults", lang)):
                c1, c2, c3 = st.columns(3)
                d_source = c1.text_input(t("dm_def_source", lang), key="dm_def_source").strip()
                d_acc = c2.text_input(t("dm_def_accuracy", lang), key="dm_def_accuracy").strip()
                d_est = c3.selectbox(t("dm_def_estimated", lang), ["", "yes", "no"],
                                     key="dm_def_estimated",
                                     format_func=lambda v: t(f"dm_est_{v or 'none'}", lang))
                st.checkbox(t("dm_auto_ids", lang), key="dm_auto_ids")
            c1, c2 = st.columns(2)
            c1.checkbox(t("dm_make_valid", lang), key="dm_make_valid")
            c2.checkbox(t("dm_drop_extra", lang), key="dm_drop_extra")
            defaults = {}
            if d_source:
                defaults["source"] = d_source
            if d_acc:
                try:
                    defaults["accuracy_m"] = float(d_acc)
                except ValueError:
                    st.warning(t("dm_accuracy_not_number", lang))
            if d_est:
                defaults["estimated"] = d_est == "yes"
            options = ImportOptions(
                crs=crs, lon_col=lon_col, lat_col=lat_col, wkt_col=wkt_col,
                encoding=None if encoding == "auto" else encoding, sublayer=sublayer,
                make_valid=st.session_state.get("dm_make_valid", False),
                drop_extra=st.session_state.get("dm_drop_extra", False), defaults=defaults,
                auto_ids=st.session_state.get("dm_auto_ids", False), mode=mode)

            new = kind == "new"
            try:
                base_version, current = _base(upload.file_id, layer, new)
                base_layers = layers if current is None else {**layers, layer: current}
                schema = None if new else layer_schema(layer, data_dir)
                target = layer_target(layer, base_layers, manifest, schema, new=new)
                if new and layer in manifest["layers"]:
                    st.error(t("dm_name_taken", lang).format(name=layer))
                    target = None
                result = import_layer(upload.getvalue(), upload.name, target, options) if target \
                    else None
            except Exception as exc:  # never a traceback on the page
                st.error(t("dm_unexpected", lang))
                st.code(f"{type(exc).__name__}: {exc}", language=None)
                result = None

            if result is not None:
                st.session_state.setdefault("dm_columns", {})[upload.file_id] = \
                    result.info.get("columns", [])
                st.session_state.setdefault("dm_sublayers", {})[upload.file_id] = \
                    result.info.get("sublayers", [])
                if is_table and result.info.get("columns") and not columns:
                    st.rerun()  # show the column pickers now that the columns are known
                facts = [f"{t('dm_format', lang)}: {result.info.get('format', '?')}"]
                if "encoding" in result.info:
                    facts.append(f"{t('dm_encoding', lang)}: {result.info['encoding']}")
                if "crs" in result.info:
                    facts.append(f"CRS: {result.info['crs']}")
                if "features" in result.info:
                    facts.append(f"{t('features', lang)}: {result.info['features']}")
                st.caption(" · ".join(facts))
                if result.problems:
                    st.error(t("dm_problems", lang).format(n=len(result.problems)))
                    st.dataframe(pd.DataFrame(
                        [{"feature": p.feature_text(lang), "field": _field_shown(p.field),
                          "message": p.text(lang)} for p in result.problems]).rename(columns={
                            "feature": t("dm_col_feature", lang), "field": t("dm_col_field", lang),
                            "message": t("dm_col_message", lang)}),
                        hide_index=True, width="stretch", key="dm_problem_table")
                for w in result.warnings:
                    st.warning(w.text(lang))
                datum_offer = None
                for i, offer in enumerate(result.offers):
                    st.info(t(f"dm_offer_{offer.kind}", lang) + "\n\n" + offer.text(lang))
                    if offer.kind == "convert_datum":
                        datum_offer = offer
                    if offer.kind in ("convert_datum", "make_valid", "drop_extra") or \
                            offer.options.get("auto_ids"):
                        st.button(t("dm_accept_offer", lang), key=f"dm_offer_{i}_{offer.kind}",
                                  on_click=_accept, args=(offer.options,))
                keep = True
                if datum_offer is not None:
                    keep = st.checkbox(t("dm_keep_datum", lang), key="dm_keep_datum")

                if result.ok:
                    st.subheader(t("dm_preview", lang))
                    preview_layers = dict(base_layers)
                    preview_manifest = manifest
                    if new:
                        preview_manifest = copy.deepcopy(manifest)
                        preview_manifest["layers"][layer] = {
                            "title": {"zh": titles["zh"] or layer, "en": titles["en"] or layer},
                            "geometry_types": result.geometry_types, "style": {"color": "#9467bd"}}
                    preview_layers[layer] = result.layer
                    fmap = build_map(preview_layers, preview_manifest, lang=lang,
                                     basemap=st.session_state.get("basemap", "blank"),
                                     visible={layer, "boundary"} & set(preview_layers))
                    st_folium(fmap, height=420, use_container_width=True, returned_objects=[],
                              key=f"dm_preview_{lang}")
                    shown = result.layer.drop(columns="geometry").head(200)
                    st.dataframe(shown, hide_index=True, width="stretch", key="dm_preview_table")
                    st.caption(t("dm_preview_counts", lang).format(
                        before=len(base_layers.get(layer, [])), after=len(result.layer)))
                    can_store = store is not None and keep
                    if st.button(t("dm_confirm", lang), type="primary", key="dm_confirm",
                                 disabled=not can_store):
                        try:
                            op = store.save_import(layer, result.layer, new=new, schema=result.schema,
                                                   geometry_types=result.geometry_types,
                                                   titles=titles, note=f"import {upload.name}",
                                                   editor=editor, base_version=base_version)
                        except StaleLayerError as exc:   # nothing stored: show the layer as it is now
                            st.session_state["dm_stale"] = exc.text(lang)
                            st.session_state.pop("dm_base", None)
                            st.cache_resource.clear()
                            st.rerun()
                        except Exception as exc:  # nothing stored; never a traceback
                            st.error(t("dm_store_failed", lang))
                            st.code(_error_text(exc), language=None)
                        else:
                            st.session_state["dm_flash"] = t("dm_stored", lang).format(
                                n=op.features, layer=layer)
                            _reset_upload()
                            st.cache_resource.clear()  # app.py reloads the layers from disk
                            st.rerun()

        if store is not None:
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
                            st.error(t("dm_store_failed", lang))
                            st.code(_error_text(exc), language=None)
                        else:
                            st.session_state["dm_flash"] = t("dm_undone", lang).format(
                                layer=op.layer)
                            st.cache_resource.clear()
                            st.rerun()
            with st.expander(t("dm_history", lang)):
                st.dataframe(_history_frame(store.history()), hide_index=True, width="stretch",
                             key="dm_history_table")

# --------------------------------------------------------------------------- OpenStreetMap (editors)
if tab_osm is not None:
    with tab_osm:
        osm_import_section(store, editor, layers, lang)

# --------------------------------------------------------------------------- layers and export (everyone)
with tab_layers:
    if tab_import is None:
        st.subheader(t("dm_layers", lang))
    c1, c2, c3 = st.columns(3)
    ex_layer = c1.selectbox(t("choose_layer", lang), names, key="dm_export_layer", format_func=_title)
    fmt = c2.selectbox(t("dm_export_format", lang), list(EXPORT_FORMATS), key="dm_export_format",
                       format_func=lambda f: EXPORT_FORMATS[f][2])
    coords = c3.selectbox(t("dm_export_crs", lang), ["wgs84", "gcj02", "bd09", "EPSG:4490",
                                                     "EPSG:4549", "EPSG:4550"],
                          key="dm_export_crs", format_func=lambda c: t(f"dm_crs_{c}", lang)
                          if c in ("wgs84", "gcj02", "bd09") else c)
    if fmt == "shp":
        st.caption(t("dm_shp_note", lang))
    try:
        data = export_layer(layers[ex_layer], fmt, ex_layer, target=coords)
    except Exception as exc:  # never a traceback on the page
        st.error(t("dm_unexpected", lang))
        st.code(f"{type(exc).__name__}: {exc}", language=None)
    else:
        suffix, mime, _ = EXPORT_FORMATS[fmt]
        tag = "" if coords == "wgs84" else "_" + coords.replace(":", "").lower()
        st.download_button(t("dm_download", lang), data, file_name=f"songnan_{ex_layer}{tag}{suffix}",
                           mime=mime, key="dm_download")
    st.caption(t("dm_layer_preview", lang))
    shown_layers = {n: layers[n] for n in dict.fromkeys(["boundary", ex_layer]) if n in layers}
    st_folium(build_map(shown_layers, manifest, lang=lang,
                        basemap=st.session_state.get("basemap", "blank")),
              height=420, use_container_width=True, returned_objects=[], key=f"dm_layer_map_{lang}")
    st.dataframe(layers[ex_layer].drop(columns="geometry").head(200), hide_index=True,
                 width="stretch", key="dm_layer_table")
