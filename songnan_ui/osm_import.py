"""The OpenStreetMap onboarding section of 数据管理: upload an extract, preview, store.

:func:`osm_import_section` renders in the current container: the upload (``.osm.pbf`` or
``.osm``), what to build, the walking margin and the "moved" threshold; "read and preview"
calls :func:`songnan_geo.layers.osm.preview_extract` once (the result is kept in the session for
that file and those options); the preview shows the provenance, the change per layer, the
named changes and the residents' snap distance now and with the new network; "store" writes
every layer through :func:`songnan_geo.layers.osm.write_layers` (validated, atomic, one undoable
operation per layer) and needs the logged-in editor.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from songnan_geo.layers import osm
from songnan_geo.layers.io import LayerValidationError
from songnan_geo.text.i18n import t


def _preview(upload, chosen, margin_m, moved_m, layers, store, lang):
    suffix = ".osm.pbf" if upload.name.lower().endswith(".pbf") else ".osm"
    types = None
    if store is not None and "facilities" in store.manifest()["layers"]:
        types = store.schema("facilities")["properties"]["type"]["enum"]
    base = osm.layer_versions(store, [osm.TARGET_LAYER[n] for n in chosen]) \
        if store is not None else {}
    with tempfile.TemporaryDirectory(prefix="songnan-osm-") as tmp:
        path = Path(tmp) / f"extract{suffix}"   # libosmium picks the format by the name
        path.write_bytes(upload.getvalue())
        preview = osm.preview_extract(path, layers, layers=chosen, margin_m=margin_m,
                                      moved_m=moved_m, allowed_types=types)
    return preview, base


def _changes(diff: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = diff[diff["change"] != "kept"].sort_values("shift_m", ascending=False,
                                                      na_position="last")
    return pd.DataFrame({
        t("osm_col_layer", lang): rows["layer"],
        t("osm_col_change", lang): [t(f"osm_change_{c}", lang) for c in rows["change"]],
        t("osm_col_name", lang): rows["name"],
        t("osm_col_features", lang): rows["features"],
        t("osm_col_shift", lang): rows["shift_m"],
    })


def osm_import_section(store, editor, layers: dict, lang: str, key: str = "osm") -> None:
    """Render the section; ``store`` is the data folder's LayerStore (None: read only),
    ``editor`` the logged-in editor (None: preview only), ``layers`` the current layers."""
    st.subheader(t("osm_title", lang))
    st.caption(t("osm_intro", lang))
    upload = st.file_uploader(t("osm_file", lang), type=["pbf", "osm"], key=f"{key}_file")
    c1, c2, c3 = st.columns([2, 1, 1])
    chosen = c1.multiselect(t("osm_layers", lang), list(osm.LAYERS), default=list(osm.LAYERS),
                            key=f"{key}_layers", format_func=lambda n: t(f"osm_layer_{n}", lang))
    margin_m = c2.number_input(t("osm_margin", lang), min_value=0.0, max_value=5000.0,
                               value=osm.DEFAULT_MARGIN_M, step=100.0, key=f"{key}_margin")
    moved_m = c3.number_input(t("osm_moved", lang), min_value=1.0, max_value=1000.0,
                              value=osm.DEFAULT_MOVED_M, step=10.0, key=f"{key}_moved")
    flash = st.session_state.pop(f"{key}_flash", None)
    if flash:
        st.success(flash)
    if upload is None or not chosen:
        return
    sig = (upload.file_id, tuple(chosen), float(margin_m), float(moved_m))
    kept = st.session_state.get(f"{key}_preview")
    if kept is None or kept[0] != sig:
        if not st.button(t("osm_preview", lang), key=f"{key}_preview_btn"):
            return
        try:
            with st.spinner(t("osm_reading", lang)):
                preview, base = _preview(upload, chosen, margin_m, moved_m, layers, store, lang)
        except osm.OsmError as exc:
            st.error(t("osm_read_failed", lang))
            st.code(str(exc), language=None)
            return
        except Exception as exc:  # never a traceback on the page
            st.error(t("osm_read_failed", lang))
            st.code(f"{type(exc).__name__}: {exc}", language=None)
            return
        kept = (sig, preview, base, upload.name)
        st.session_state[f"{key}_preview"] = kept
    _, preview, base, name = kept
    build = preview.build
    where = t("osm_boundary_relation", lang).format(id=build.boundary_from.split("r")[-1]) \
        if build.boundary_from.startswith("relation") else t("osm_boundary_current", lang)
    st.caption(t("osm_source", lang).format(source=build.source, boundary=where))
    for layer, why in build.skipped.items():
        st.info(t("osm_skipped", lang).format(layer=t(f"osm_target_{layer}", lang),
                                              why=t(f"osm_skip_{why}", lang)))
    st.markdown(f"**{t('osm_summary', lang)}**")
    summary = preview.summary.rename(columns={c: t(f"osm_change_{c}", lang)
                                              for c in preview.summary.columns})
    st.dataframe(summary, width="stretch", key=f"{key}_summary")
    st.markdown(f"**{t('osm_changes', lang)}**")
    st.dataframe(_changes(preview.diff, lang).head(2000), hide_index=True, width="stretch",
                 key=f"{key}_changes")
    if preview.snap_after is not None:
        before = preview.snap_before["median_m"] if preview.snap_before else float("nan")
        st.caption(t("osm_snap", lang).format(n=preview.snap_after["points"],
                                              before=f"{before:.0f}",
                                              after=f"{preview.snap_after['median_m']:.0f}"))
    if len(build.untyped_pois):
        st.caption(t("osm_untyped", lang).format(n=len(build.untyped_pois)))
    if editor is None or store is None:
        st.info(t("osm_need_editor", lang))
    if st.button(t("osm_store", lang), type="primary", key=f"{key}_store",
                 disabled=editor is None or store is None or not build.layers):
        try:
            ops = osm.write_layers(build, store, editor=editor, base_versions=base,
                                   extract_name=name)
        except LayerValidationError as exc:
            st.error(t("osm_store_failed", lang))
            st.code(exc.text(lang), language=None)
        except Exception as exc:  # nothing stored; never a traceback
            st.error(t("osm_store_failed", lang))
            st.code(str(exc), language=None)
        else:
            st.session_state.pop(f"{key}_preview", None)
            st.session_state[f"{key}_flash"] = t("osm_stored", lang).format(
                n=len(ops), layers=", ".join(op.layer for op in ops))
            st.cache_resource.clear()   # the app reloads the layers from disk
            st.rerun()
